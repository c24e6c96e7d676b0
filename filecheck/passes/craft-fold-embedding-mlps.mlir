// RUN: raspir-opt %s --split-input-file -p craft-fold-embedding-mlps | filecheck %s --match-full-lines

// Folding again changes nothing: what could fold has folded.
// RUN: raspir-opt %s --split-input-file -p craft-fold-embedding-mlps -o %t.once.mlir
// RUN: raspir-opt %t.once.mlir --split-input-file -p craft-fold-embedding-mlps -o %t.twice.mlir
// RUN: diff %t.once.mlir %t.twice.mlir

// A model that already shares dimensions is refused, naming the pass to run after.
// RUN: raspir-opt %s --split-input-file -p craft-compress-residual{objective=width} | not raspir-opt --split-input-file -p craft-fold-embedding-mlps 2>&1 | filecheck %s --check-prefix=SHARED
// SHARED: raspir-opt: error: craft-fold-embedding-mlps: the model already shares dimensions (craft.share); run this pass before craft-compress-residual

// A lib program through -O2's lowering. frac_prevs counts the "a" tokens
// before each position: the lookup MLP "map" (layer 0) reads only
// tokens:"a" and `one` and writes map = ReLU(2·tokens:"a" - 1), which is 1 on
// the token "a" and 0 on every other row (2·0 - 1 < 0). The token embedding
// writes map = 1.0 on the "a" row instead; layer 0 is left empty and goes,
// and the head becomes layer 0: one layer instead of two.
// RUN: raspir ir raspir.testing.library:frac_prevs --vocab a,b --max-seq-len 3 | raspir-opt -p 'canonicalize,cse,rasp-legalize,rasp-fuse-maps,rasp-prune-value-sets,canonicalize,dce,rasp-choose-encodings,convert-rasp-to-sa,schedule-layers{narrow=true},convert-sa-to-craft,craft-fold-embedding-mlps' | filecheck %s --match-full-lines --check-prefix=LIB
// LIB: craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0, map = 1.0}, "b": {one = 1.0, tokens:"b" = 1.0}, "compiler_bos": {one = 1.0, tokens:"compiler_bos" = 1.0}, "compiler_pad": {one = 1.0}}
// LIB-NEXT: craft.embed positions {0: {}, 1: {indices:0 = 1.0}, 2: {indices:1 = 1.0}, 3: {indices:2 = 1.0}}
// LIB-NEXT: craft.layer 0 {
// LIB-NEXT: craft.head "frac_prevs" {{.*}} ov {(map, frac_prevs): 1.0}
// LIB-NEXT: }
// LIB-NEXT: craft.unembed numerical {none: {frac_prevs = 1.0}}

// == Lookups of the tokens, to a fixed point ==
//
// "y" (layer 0) is a lookup of the tokens: unit 0 = ReLU(2·(tokens:"a" +
// tokens:"b") - 1) writes y:1, unit 1 = ReLU(2·tokens:"c" - 1) writes y:2. On
// the row of "a": unit 0 = ReLU(2 - 1) = 1, unit 1 = ReLU(-1) = 0, so the row
// gains y:1 = 1.0; "b" likewise; "c" gains y:2 = 1.0. On the BOS and PAD rows
// every token one-hot is 0 and both units are ReLU(-1) = 0: nothing.
//
// "z" (layer 1) reads y:1, which after the first fold only the token
// embedding writes, and `one`: it folds too. z = 0.5·ReLU(2·y:1 - 1): 0.5 on
// "a" and "b", 0 elsewhere.
//
// "live" reads `one` and tokens:"BOS": ReLU(one - tokens:"BOS") is 1 on
// every row but BOS's, so every row but BOS's gains live = 3.0, PAD's
// included (the model computes the MLP at padded positions too).
//
// Layers 0 and 1 are left with no block and go; layer 2 becomes layer 0.

craft.model vocab {"a", "b", "c"} max_seq_len 2 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "b": {one = 1.0, tokens:"b" = 1.0}, "c": {one = 1.0, tokens:"c" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
  craft.embed positions {0: {}, 1: {indices:0 = 1.0}, 2: {indices:1 = 1.0}}
  craft.layer 0 {
    craft.mlp "y" hidden 2 fst {(tokens:"a", 0): 2.0, (tokens:"b", 0): 2.0, (one, 0): -1.0, (tokens:"c", 1): 2.0, (one, 1): -1.0} snd {(0, y:1): 1.0, (1, y:2): 1.0}
    craft.mlp "live" hidden 1 fst {(one, 0): 1.0, (tokens:"BOS", 0): -1.0} snd {(0, live): 3.0}
  }
  craft.layer 1 {
    craft.mlp "z" hidden 1 fst {(y:1, 0): 2.0, (one, 0): -1.0} snd {(0, z): 0.5}
  }
  craft.layer 2 {
    craft.head "h" qk {(one, tokens:"BOS"): 5.0} ov {(z, out): 1.0, (y:2, out): 1.0, (live, out): 1.0}
  }
  craft.unembed numerical {none: {out = 1.0}}
}

// CHECK: builtin.module {
// CHECK-NEXT: craft.model vocab {"a", "b", "c"} max_seq_len 2 bos "BOS" pad "PAD" {
// CHECK-NEXT: craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0, y:1 = 1.0, live = 3.0, z = 0.5}, "b": {one = 1.0, tokens:"b" = 1.0, y:1 = 1.0, live = 3.0, z = 0.5}, "c": {one = 1.0, tokens:"c" = 1.0, y:2 = 1.0, live = 3.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0, live = 3.0}}
// CHECK-NEXT: craft.embed positions {0: {}, 1: {indices:0 = 1.0}, 2: {indices:1 = 1.0}}
// CHECK-NEXT: craft.layer 0 {
// CHECK-NEXT: craft.head "h" qk {(one, tokens:"BOS"): 5.0} ov {(z, out): 1.0, (y:2, out): 1.0, (live, out): 1.0}
// CHECK-NEXT: }
// CHECK-NEXT: craft.unembed numerical {none: {out = 1.0}}
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// == A function of the position ==
//
// "p" reads the indices (which only the position embedding writes) and `one`
// (1 on every token row, written by nothing else: 1 at every position, so
// each position row is evaluated with one = 1): unit 0 = ReLU(indices:0 +
// indices:2) writes p:"even", unit 1 = ReLU(2·indices:1 - one) writes p:"odd"
// with weight 2.0. Row 0 (BOS's position) holds no index: ReLU(0) = 0 and
// ReLU(-1) = 0. Rows 1 and 3 hold indices 0 and 2: p:"even" = 1.0 (unit 1 is
// ReLU(-1) = 0); row 2 holds index 1: p:"odd" = 2·ReLU(2 - 1) = 2.0. The head
// stays, in layer 1, which becomes layer 0.

craft.model vocab {"a"} max_seq_len 3 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
  craft.embed positions {0: {}, 1: {indices:0 = 1.0}, 2: {indices:1 = 1.0}, 3: {indices:2 = 1.0}}
  craft.layer 0 {
    craft.mlp "p" hidden 2 fst {(indices:0, 0): 1.0, (indices:2, 0): 1.0, (indices:1, 1): 2.0, (one, 1): -1.0} snd {(0, p:"even"): 1.0, (1, p:"odd"): 2.0}
  }
  craft.layer 1 {
    craft.head "h" qk {(one, tokens:"BOS"): 5.0} ov {(p:"even", out:"e"): 1.0}
  }
  craft.unembed categorical {"e": {out:"e" = 1.0}}
}

// CHECK: craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
// CHECK-NEXT: craft.embed positions {0: {}, 1: {indices:0 = 1.0, p:"even" = 1.0}, 2: {indices:1 = 1.0, p:"odd" = 2.0}, 3: {indices:2 = 1.0, p:"even" = 1.0}}
// CHECK-NEXT: craft.layer 0 {
// CHECK-NEXT: craft.head "h" qk {(one, tokens:"BOS"): 5.0} ov {(p:"even", out:"e"): 1.0}
// CHECK-NEXT: }

// -----

// == What stays ==
//
// "mixed" reads a token and an index: a function of both, no single row
// decides it. "late" reads the head's output. "early" reads only the tokens,
// but the head "h" of its own layer reads its output `e` before the MLP
// writes it (the head sees 0 there), so writing `e` from the embedding on
// would change what the head reads. Nothing folds, no layer goes.

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
  craft.embed positions {0: {}, 1: {indices:0 = 1.0}}
  craft.layer 0 {
    craft.head "h" qk {(one, tokens:"BOS"): 5.0} ov {(e, x): 1.0}
    craft.mlp "mixed" hidden 1 fst {(tokens:"a", 0): 2.0, (indices:0, 0): 2.0, (one, 0): -3.0} snd {(0, m): 1.0}
    craft.mlp "early" hidden 1 fst {(tokens:"a", 0): 1.0} snd {(0, e): 1.0}
  }
  craft.layer 1 {
    craft.mlp "late" hidden 1 fst {(x, 0): 1.0} snd {(0, l): 1.0}
  }
  craft.unembed numerical {none: {l = 1.0, m = 1.0, e = 1.0}}
}

// CHECK: craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
// CHECK-NEXT: craft.embed positions {0: {}, 1: {indices:0 = 1.0}}
// CHECK-NEXT: craft.layer 0 {
// CHECK-NEXT: craft.head "h" qk {(one, tokens:"BOS"): 5.0} ov {(e, x): 1.0}
// CHECK-NEXT: craft.mlp "mixed" hidden 1 fst {(tokens:"a", 0): 2.0, (indices:0, 0): 2.0, (one, 0): -3.0} snd {(0, m): 1.0}
// CHECK-NEXT: craft.mlp "early" hidden 1 fst {(tokens:"a", 0): 1.0} snd {(0, e): 1.0}
// CHECK-NEXT: }
// CHECK-NEXT: craft.layer 1 {
// CHECK-NEXT: craft.mlp "late" hidden 1 fst {(x, 0): 1.0} snd {(0, l): 1.0}
// CHECK-NEXT: }
