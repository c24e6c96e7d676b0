// RUN: raspir-opt %s --split-input-file -p craft-eliminate-dead-directions | filecheck %s --match-full-lines

// Eliminating again changes nothing.
// RUN: raspir-opt %s --split-input-file -p craft-eliminate-dead-directions -o %t.once.mlir
// RUN: raspir-opt %t.once.mlir --split-input-file -p craft-eliminate-dead-directions -o %t.twice.mlir
// RUN: diff %t.once.mlir %t.twice.mlir

// What nothing reads goes, to a fixed point. The output `y` reads `x:1` through
// the MLP "y"; "w" writes `w`, which only the MLP "v" reads, and nothing reads
// `v`: both MLPs go, layer 1 is left empty and is removed, layer 2 becomes
// layer 1. The token `b` and the indices are never read: their embedding
// entries go. The head "x" writes `x:1` and `x:2`; only `x:1` is read, so its
// value map keeps one entry. The MLP "y" has a unit writing the unread `u`:
// that unit goes and the others are renumbered.

craft.model vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "b": {one = 1.0, tokens:"b" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
  craft.embed positions {0: {}, 1: {indices:0 = 1.0}, 2: {indices:1 = 1.0}}
  craft.layer 0 {
    craft.head "x" qk {(tokens:"a", tokens:"a"): 5.0, (one, tokens:"BOS"): 2.5} ov {(tokens:"a", x:1): 1.0, (tokens:"a", x:2): 1.0}
    craft.mlp "w" hidden 1 fst {(tokens:"a", 0): 1.0} snd {(0, w): 1.0}
  }
  craft.layer 1 {
    craft.mlp "v" hidden 1 fst {(w, 0): 1.0} snd {(0, v): 1.0}
  }
  craft.layer 2 {
    craft.mlp "y" hidden 3 fst {(x:1, 0): 1.0, (x:1, 1): 2.0, (one, 2): 1.0} snd {(0, u): 1.0, (1, y): 1.0, (2, y): -1.0}
  }
  craft.unembed numerical {none: {y = 1.0}}
}

// CHECK: builtin.module {
// CHECK-NEXT: craft.model vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
// CHECK-NEXT: craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "b": {one = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
// CHECK-NEXT: craft.embed positions {0: {}, 1: {}, 2: {}}
// CHECK-NEXT: craft.layer 0 {
// CHECK-NEXT: craft.head "x" qk {(tokens:"a", tokens:"a"): 5.0, (one, tokens:"BOS"): 2.5} ov {(tokens:"a", x:1): 1.0}
// CHECK-NEXT: }
// CHECK-NEXT: craft.layer 1 {
// CHECK-NEXT: craft.mlp "y" hidden 2 fst {(x:1, 0): 2.0, (one, 1): 1.0} snd {(0, y): 1.0, (1, y): -1.0}
// CHECK-NEXT: }
// CHECK-NEXT: craft.unembed numerical {none: {y = 1.0}}
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// A model whose every direction is read is unchanged.

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
  craft.embed positions {0: {}, 1: {}}
  craft.layer 0 {
    craft.head "x" qk {(one, tokens:"BOS"): 2.5} ov {(tokens:"a", x:"a"): 1.0}
  }
  craft.unembed categorical {"a": {x:"a" = 1.0}}
}

// CHECK: builtin.module {
// CHECK-NEXT: craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
// CHECK-NEXT: craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
// CHECK-NEXT: craft.embed positions {0: {}, 1: {}}
// CHECK-NEXT: craft.layer 0 {
// CHECK-NEXT: craft.head "x" qk {(one, tokens:"BOS"): 2.5} ov {(tokens:"a", x:"a"): 1.0}
// CHECK-NEXT: }
// CHECK-NEXT: craft.unembed categorical {"a": {x:"a" = 1.0}}
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// Directions nothing writes are 0 at every position: `ghost` is read by the
// MLP "y" but written by nobody, so its first-layer entry goes; the output
// value 3 has a direction `y:3` that no unit writes, so the unembedding drops
// that row (the output can never decode to 3). `tokens:"BOS"` is read by
// nothing here and leaves the BOS embedding row.

craft.model vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "b": {one = 1.0, tokens:"b" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
  craft.embed positions {0: {}, 1: {}, 2: {}}
  craft.layer 0 {
    craft.mlp "y" hidden 2 fst {(tokens:"a", 0): 2.0, (one, 0): -1.0, (tokens:"b", 1): 2.0, (ghost, 1): 5.0, (one, 1): -1.0} snd {(0, y:1): 1.0, (1, y:2): 1.0}
  }
  craft.unembed categorical {1: {y:1 = 1.0}, 2: {y:2 = 1.0}, 3: {y:3 = 1.0}}
}

// CHECK: craft.mlp "y" hidden 2 fst {(tokens:"a", 0): 2.0, (one, 0): -1.0, (tokens:"b", 1): 2.0, (one, 1): -1.0} snd {(0, y:1): 1.0, (1, y:2): 1.0}
// CHECK: craft.unembed categorical {1: {y:1 = 1.0}, 2: {y:2 = 1.0}}
