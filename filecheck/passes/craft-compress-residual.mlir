// RUN: raspir-opt %s --split-input-file -p 'craft-compress-residual{objective=width}' | filecheck %s --match-full-lines --check-prefixes=ALL,WIDTH
// RUN: raspir-opt %s --split-input-file -p 'craft-compress-residual{objective=params}' | filecheck %s --match-full-lines --check-prefixes=ALL,PARAMS
// RUN: raspir-opt %s --split-input-file -p 'craft-compress-residual{objective=balanced}' | filecheck %s --match-full-lines --check-prefixes=ALL,BALANCED

// The default objective is balanced.
// RUN: raspir-opt %s --split-input-file -p craft-compress-residual -o %t.default.mlir
// RUN: raspir-opt %s --split-input-file -p 'craft-compress-residual{objective=balanced}' -o %t.balanced.mlir
// RUN: diff %t.default.mlir %t.balanced.mlir

// The compressed models (craft.share, the erase blocks, the attributes on the
// model) read back to the same text.
// RUN: raspir-opt %s --split-input-file -p 'craft-compress-residual{objective=width}' -o %t.width.mlir
// RUN: raspir-opt %t.width.mlir --split-input-file -o %t.width2.mlir
// RUN: diff %t.width.mlir %t.width2.mlir

// The pass runs once: a model that already shares dimensions is refused.
// RUN: raspir-opt %s --split-input-file -p 'craft-compress-residual{objective=width}' | not raspir-opt --split-input-file -p craft-compress-residual 2>&1 | filecheck %s --check-prefix=TWICE
// TWICE: raspir-opt: error: craft-compress-residual: the model already shares dimensions

// An unknown objective is named in the error, with the known ones.
// RUN: not raspir-opt %s --split-input-file -p 'craft-compress-residual{objective=bogus}' 2>&1 | filecheck %s --check-prefix=BOGUS
// BOGUS: raspir-opt: error: craft-compress-residual: objective must be one of {{.*}}width{{.*}}, got 'bogus'

// A lib program through -O2 with objective=width. hist at max_seq_len 3 is one
// layer: the count head writes the numerical scratch hist.inverse_width
// (slot 1), the count MLP reads it and the tokens (slot 2) and writes
// hist:1..3. All three die at slot 2, where the three outputs are born, so
// each output takes a dead direction's coordinate: the la residual has 5
// coordinates instead of 8, three of them shared (`d1 | d2`: first d1, then
// d2), and the MLP of layer 0 has an "erase" block of 3 units beside "hist":
// one per token direction and one for the scratch, which only a head copying
// tokens:"compiler_bos" with weight 1 writes, so it is never negative.
// tokens:"compiler_bos" and `one` keep coordinates of their own.
// RUN: raspir ir raspir.testing.library:hist --vocab a,b --max-seq-len 3 | raspir-opt -p 'canonicalize,cse,rasp-fuse-maps,rasp-prune-value-sets,canonicalize,dce,rasp-choose-encodings,convert-rasp-to-sa,schedule-layers,convert-sa-to-craft,craft-eliminate-dead-directions,craft-compress-residual{objective=width},convert-craft-to-la' | filecheck %s --match-full-lines --check-prefix=LIB
// LIB: la.residual [tokens:"compiler_bos", tokens:"a" | hist:2, tokens:"b" | hist:3, one, hist.inverse_width | hist:1]
// LIB: la.mlp 0 blocks {"hist" = 5, "erase" = 3} fst @"transformer/layer_0/mlp/linear_1/w" snd @"transformer/layer_0/mlp/linear_2/w"

// The objectives. width reuses a free coordinate wherever it can. A reuse
// costs erase units (one for a direction that is never negative, two for a
// numerical one some MLP, negative embedding entry or negative head weight
// may make negative). params reuses only where the units (2·D parameters
// each, D the width as it stands) cost less than a coordinate (its row in the
// embeddings and every head and MLP matrix, computed once); balanced only
// where u units for one coordinate keep the product of the width D and the
// hidden units H (as they stand) shrinking: u·(D - 1) < H.

// Slots: the embedding is 0, layer i's heads 2i+1 and its MLPs 2i+2; the
// unembedding reads at 7 here (three layers). Each direction's life
// [birth, last read], and where it would be erased (the first MLP slot at or
// after the last read):
//
//   one, tokens:"BOS"   [0, 3]  fixed: never erased
//   tokens:"a"          [0, 2]  erased at 2 (layer 0)
//   tokens:"b"          [0, 2]  erased at 2 (layer 0)
//   x:1                 [2, 3]  read by the head: erased at 4 (layer 1)
//   nb   (numerical)    [2, 4]  erased at 4 (layer 1)
//   h:1                 [3, 6]  erased at 6 (layer 2)
//   y    (numerical)    [4, 6]  erased at 6 (layer 2)
//   z:"p", z:"q"        [6, 7]  the output: never erased
//
// Ten directions. At most 4 are live in one residual state (residual_live_peak:
// slots 0-2); with lives extended to the erasure, 5 at slot 3 (one, BOS, x:1,
// nb, h:1: residual_erasure_peak).
//
// width, left edge in order of birth, each newcomer taking the free
// coordinate freed last (the first on ties): x:1 and nb take the coordinates
// of tokens:"a" and tokens:"b" (free from 2); h:1 (born 3) finds none free
// (x:1 and nb hold theirs until 4) and opens a fifth; y takes x:1's (free from
// 4); z:"p" takes y's and z:"q" h:1's (both free from 6). Width 5 = the
// erasure peak. Erasures: tokens:"a", tokens:"b" in layer 0, x:1 in layer 1,
// y and h:1 in layer 2 (nb is last on its coordinate and stays): ReLU(x)
// written back as -x for a categorical direction, ReLU(y) -> -y and
// ReLU(-y) -> +y for y, which an MLP writes (any sign): 6 units. The share
// groups come just before the unembedding, each in the order its directions
// hold the coordinate.
//
// params: a coordinate costs 23 parameters (4 token rows + 3 position rows +
// 2 per head matrix with one row or column + 2 per hidden unit, 6 units). x:1
// (one unit: 2·10 = 20), nb (2·9 = 18) and y on x:1's coordinate (2·8 = 16)
// pay; y on nb's would cost two units (2·2·8 = 32), and so would z:"p" on
// y's (2·2·7 = 28): z:"p" takes h:1's (2·7 = 14) and z:"q" opens a sixth.
// No numerical direction is erased: 4 units.
//
// balanced: 6 hidden units against a width of 10: one unit for one coordinate
// (1·9 < 6) never pays, and nothing changes but the recorded attributes.

craft.model vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "b": {one = 1.0, tokens:"b" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
  craft.embed positions {0: {}, 1: {}, 2: {}}
  craft.layer 0 {
    craft.mlp "x" hidden 1 fst {(tokens:"a", 0): 2.0, (one, 0): -1.0} snd {(0, x:1): 1.0}
    craft.mlp "nb" hidden 1 fst {(tokens:"b", 0): 2.0, (one, 0): -1.0} snd {(0, nb): 3.0}
  }
  craft.layer 1 {
    craft.head "h" qk {(one, tokens:"BOS"): 5.0} ov {(x:1, h:1): 1.0}
    craft.mlp "y" hidden 2 fst {(nb, 0): 1.0, (nb, 1): -1.0} snd {(0, y): 1.0, (1, y): -1.0}
  }
  craft.layer 2 {
    craft.mlp "z" hidden 2 fst {(h:1, 0): 1.0, (y, 1): 1.0} snd {(0, z:"p"): 1.0, (1, z:"q"): 1.0}
  }
  craft.unembed categorical {"p": {z:"p" = 1.0}, "q": {z:"q" = 1.0}}
}

// WIDTH: builtin.module {
// WIDTH-NEXT: craft.model vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" attributes {residual_live_peak = 4 : i64, residual_erasure_peak = 5 : i64, residual_width_before = 10 : i64, residual_width = 5 : i64, erase_units = 6 : i64} {
// WIDTH-NEXT: craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "b": {one = 1.0, tokens:"b" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
// WIDTH-NEXT: craft.embed positions {0: {}, 1: {}, 2: {}}
// WIDTH-NEXT: craft.layer 0 {
// WIDTH-NEXT: craft.mlp "x" hidden 1 fst {(tokens:"a", 0): 2.0, (one, 0): -1.0} snd {(0, x:1): 1.0}
// WIDTH-NEXT: craft.mlp "nb" hidden 1 fst {(tokens:"b", 0): 2.0, (one, 0): -1.0} snd {(0, nb): 3.0}
// WIDTH-NEXT: craft.mlp "erase" hidden 2 fst {(tokens:"a", 0): 1.0, (tokens:"b", 1): 1.0} snd {(0, tokens:"a"): -1.0, (1, tokens:"b"): -1.0}
// WIDTH-NEXT: }
// WIDTH-NEXT: craft.layer 1 {
// WIDTH-NEXT: craft.head "h" qk {(one, tokens:"BOS"): 5.0} ov {(x:1, h:1): 1.0}
// WIDTH-NEXT: craft.mlp "y" hidden 2 fst {(nb, 0): 1.0, (nb, 1): -1.0} snd {(0, y): 1.0, (1, y): -1.0}
// WIDTH-NEXT: craft.mlp "erase" hidden 1 fst {(x:1, 0): 1.0} snd {(0, x:1): -1.0}
// WIDTH-NEXT: }
// WIDTH-NEXT: craft.layer 2 {
// WIDTH-NEXT: craft.mlp "z" hidden 2 fst {(h:1, 0): 1.0, (y, 1): 1.0} snd {(0, z:"p"): 1.0, (1, z:"q"): 1.0}
// WIDTH-NEXT: craft.mlp "erase" hidden 3 fst {(y, 0): 1.0, (y, 1): -1.0, (h:1, 2): 1.0} snd {(0, y): -1.0, (1, y): 1.0, (2, h:1): -1.0}
// WIDTH-NEXT: }
// WIDTH-NEXT: craft.share [tokens:"a", x:1, y, z:"p"]
// WIDTH-NEXT: craft.share [tokens:"b", nb]
// WIDTH-NEXT: craft.share [h:1, z:"q"]
// WIDTH-NEXT: craft.unembed categorical {"p": {z:"p" = 1.0}, "q": {z:"q" = 1.0}}
// WIDTH-NEXT: }
// WIDTH-NEXT: }

// PARAMS: builtin.module {
// PARAMS-NEXT: craft.model vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" attributes {residual_live_peak = 4 : i64, residual_erasure_peak = 5 : i64, residual_width_before = 10 : i64, residual_width = 6 : i64, erase_units = 4 : i64} {
// PARAMS-NEXT: craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "b": {one = 1.0, tokens:"b" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
// PARAMS-NEXT: craft.embed positions {0: {}, 1: {}, 2: {}}
// PARAMS-NEXT: craft.layer 0 {
// PARAMS-NEXT: craft.mlp "x" hidden 1 fst {(tokens:"a", 0): 2.0, (one, 0): -1.0} snd {(0, x:1): 1.0}
// PARAMS-NEXT: craft.mlp "nb" hidden 1 fst {(tokens:"b", 0): 2.0, (one, 0): -1.0} snd {(0, nb): 3.0}
// PARAMS-NEXT: craft.mlp "erase" hidden 2 fst {(tokens:"a", 0): 1.0, (tokens:"b", 1): 1.0} snd {(0, tokens:"a"): -1.0, (1, tokens:"b"): -1.0}
// PARAMS-NEXT: }
// PARAMS-NEXT: craft.layer 1 {
// PARAMS-NEXT: craft.head "h" qk {(one, tokens:"BOS"): 5.0} ov {(x:1, h:1): 1.0}
// PARAMS-NEXT: craft.mlp "y" hidden 2 fst {(nb, 0): 1.0, (nb, 1): -1.0} snd {(0, y): 1.0, (1, y): -1.0}
// PARAMS-NEXT: craft.mlp "erase" hidden 1 fst {(x:1, 0): 1.0} snd {(0, x:1): -1.0}
// PARAMS-NEXT: }
// PARAMS-NEXT: craft.layer 2 {
// PARAMS-NEXT: craft.mlp "z" hidden 2 fst {(h:1, 0): 1.0, (y, 1): 1.0} snd {(0, z:"p"): 1.0, (1, z:"q"): 1.0}
// PARAMS-NEXT: craft.mlp "erase" hidden 1 fst {(h:1, 0): 1.0} snd {(0, h:1): -1.0}
// PARAMS-NEXT: }
// PARAMS-NEXT: craft.share [tokens:"a", x:1, y]
// PARAMS-NEXT: craft.share [tokens:"b", nb]
// PARAMS-NEXT: craft.share [h:1, z:"p"]
// PARAMS-NEXT: craft.unembed categorical {"p": {z:"p" = 1.0}, "q": {z:"q" = 1.0}}
// PARAMS-NEXT: }
// PARAMS-NEXT: }

// BALANCED: builtin.module {
// BALANCED-NEXT: craft.model vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" attributes {residual_live_peak = 4 : i64, residual_erasure_peak = 5 : i64, residual_width_before = 10 : i64, residual_width = 10 : i64, erase_units = 0 : i64} {
// BALANCED-NEXT: craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "b": {one = 1.0, tokens:"b" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
// BALANCED-NEXT: craft.embed positions {0: {}, 1: {}, 2: {}}
// BALANCED-NEXT: craft.layer 0 {
// BALANCED-NEXT: craft.mlp "x" hidden 1 fst {(tokens:"a", 0): 2.0, (one, 0): -1.0} snd {(0, x:1): 1.0}
// BALANCED-NEXT: craft.mlp "nb" hidden 1 fst {(tokens:"b", 0): 2.0, (one, 0): -1.0} snd {(0, nb): 3.0}
// BALANCED-NEXT: }
// BALANCED-NEXT: craft.layer 1 {
// BALANCED-NEXT: craft.head "h" qk {(one, tokens:"BOS"): 5.0} ov {(x:1, h:1): 1.0}
// BALANCED-NEXT: craft.mlp "y" hidden 2 fst {(nb, 0): 1.0, (nb, 1): -1.0} snd {(0, y): 1.0, (1, y): -1.0}
// BALANCED-NEXT: }
// BALANCED-NEXT: craft.layer 2 {
// BALANCED-NEXT: craft.mlp "z" hidden 2 fst {(h:1, 0): 1.0, (y, 1): 1.0} snd {(0, z:"p"): 1.0, (1, z:"q"): 1.0}
// BALANCED-NEXT: }
// BALANCED-NEXT: craft.unembed categorical {"p": {z:"p" = 1.0}, "q": {z:"q" = 1.0}}
// BALANCED-NEXT: }
// BALANCED-NEXT: }

// -----
// Lives: tokens:"a" [0, 2], x:1..x:3 [2, 4], the output y:1 [4, 5]; one and
// tokens:"BOS" are written but never read, so they are no lives of this pass
// (dead-direction elimination's business; la keeps their coordinates). Five
// lives, at most 3 at once. width: x:1 takes tokens:"a"'s coordinate (free
// from 2), x:2 and x:3 open two more, y:1 takes x:1's (free from 4): 3 = the
// erasure peak, with tokens:"a" erased in layer 0 and x:1 in layer 1 (x:2 and
// x:3 are last on their coordinates and are not erased).
//
// Neither other objective reuses anything, and the model is unchanged but for
// the attributes: under params a coordinate costs 3 token rows + 2 position
// rows + 2·2 hidden units = 9 parameters, an erase unit 2·5 = 10; under
// balanced one unit for a width of 5 needs more than 4 hidden units, there
// are 2.

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
  craft.embed positions {0: {}, 1: {}}
  craft.layer 0 {
    craft.mlp "x" hidden 1 fst {(tokens:"a", 0): 1.0} snd {(0, x:1): 1.0, (0, x:2): 1.0, (0, x:3): 1.0}
  }
  craft.layer 1 {
    craft.mlp "y" hidden 1 fst {(x:1, 0): 1.0, (x:2, 0): 1.0, (x:3, 0): 1.0} snd {(0, y:1): 1.0}
  }
  craft.unembed categorical {1: {y:1 = 1.0}}
}

// WIDTH: builtin.module {
// WIDTH-NEXT: craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" attributes {residual_live_peak = 3 : i64, residual_erasure_peak = 3 : i64, residual_width_before = 5 : i64, residual_width = 3 : i64, erase_units = 2 : i64} {
// WIDTH-NEXT: craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
// WIDTH-NEXT: craft.embed positions {0: {}, 1: {}}
// WIDTH-NEXT: craft.layer 0 {
// WIDTH-NEXT: craft.mlp "x" hidden 1 fst {(tokens:"a", 0): 1.0} snd {(0, x:1): 1.0, (0, x:2): 1.0, (0, x:3): 1.0}
// WIDTH-NEXT: craft.mlp "erase" hidden 1 fst {(tokens:"a", 0): 1.0} snd {(0, tokens:"a"): -1.0}
// WIDTH-NEXT: }
// WIDTH-NEXT: craft.layer 1 {
// WIDTH-NEXT: craft.mlp "y" hidden 1 fst {(x:1, 0): 1.0, (x:2, 0): 1.0, (x:3, 0): 1.0} snd {(0, y:1): 1.0}
// WIDTH-NEXT: craft.mlp "erase" hidden 1 fst {(x:1, 0): 1.0} snd {(0, x:1): -1.0}
// WIDTH-NEXT: }
// WIDTH-NEXT: craft.share [tokens:"a", x:1, y:1]
// WIDTH-NEXT: craft.unembed categorical {1: {y:1 = 1.0}}
// WIDTH-NEXT: }
// WIDTH-NEXT: }

// PARAMS: builtin.module {
// PARAMS-NEXT: craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" attributes {residual_live_peak = 3 : i64, residual_erasure_peak = 3 : i64, residual_width_before = 5 : i64, residual_width = 5 : i64, erase_units = 0 : i64} {
// PARAMS-NEXT: craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
// PARAMS-NEXT: craft.embed positions {0: {}, 1: {}}
// PARAMS-NEXT: craft.layer 0 {
// PARAMS-NEXT: craft.mlp "x" hidden 1 fst {(tokens:"a", 0): 1.0} snd {(0, x:1): 1.0, (0, x:2): 1.0, (0, x:3): 1.0}
// PARAMS-NEXT: }
// PARAMS-NEXT: craft.layer 1 {
// PARAMS-NEXT: craft.mlp "y" hidden 1 fst {(x:1, 0): 1.0, (x:2, 0): 1.0, (x:3, 0): 1.0} snd {(0, y:1): 1.0}
// PARAMS-NEXT: }
// PARAMS-NEXT: craft.unembed categorical {1: {y:1 = 1.0}}
// PARAMS-NEXT: }
// PARAMS-NEXT: }

// BALANCED: builtin.module {
// BALANCED-NEXT: craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" attributes {residual_live_peak = 3 : i64, residual_erasure_peak = 3 : i64, residual_width_before = 5 : i64, residual_width = 5 : i64, erase_units = 0 : i64} {
// BALANCED-NEXT: craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
// BALANCED-NEXT: craft.embed positions {0: {}, 1: {}}
// BALANCED-NEXT: craft.layer 0 {
// BALANCED-NEXT: craft.mlp "x" hidden 1 fst {(tokens:"a", 0): 1.0} snd {(0, x:1): 1.0, (0, x:2): 1.0, (0, x:3): 1.0}
// BALANCED-NEXT: }
// BALANCED-NEXT: craft.layer 1 {
// BALANCED-NEXT: craft.mlp "y" hidden 1 fst {(x:1, 0): 1.0, (x:2, 0): 1.0, (x:3, 0): 1.0} snd {(0, y:1): 1.0}
// BALANCED-NEXT: }
// BALANCED-NEXT: craft.unembed categorical {1: {y:1 = 1.0}}
// BALANCED-NEXT: }
// BALANCED-NEXT: }

// -----
// What is never erased. Slots: the head h at 1, the MLPs w, more, last at 4,
// 6, 8; the unembedding at 9.
//
//   one, tokens:"BOS"  [0, 1]  read only by h's scores, but fixed: no
//                              newcomer ever takes their coordinates
//   tokens:"a"         [0, 1]  erased at 2: layer 0 has no MLP, so the
//                              pass adds one, the "erase" block alone
//   h:1                [1, 4]  erased at 4 (layer 1)
//   w   (numerical)    [4, 8]  written at two slots (4 and 6): never erased
//   out:1              [6, 9]  the output: never erased
//   out:2              [8, 9]  the output
//
// w takes h:1's coordinate (free from 4, freed later than tokens:"a"'s),
// out:1 takes tokens:"a"'s; out:2 finds every coordinate held (w and out:1
// are never erased, one and tokens:"BOS" are fixed) and opens a fifth. Width
// 5 of 7 = the erasure peak (slot 8: one, tokens:"BOS", w, out:1, out:2),
// while only 3 directions are ever live at once (slot 0): the fixed
// directions and the never-erased w cost the difference. params agrees (a
// coordinate costs 17 parameters, the two units 2·7 = 14 and 2·6 = 12);
// balanced, with 3 hidden units against a width of 7, keeps the model.

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
  craft.embed positions {0: {}, 1: {}}
  craft.layer 0 {
    craft.head "h" qk {(one, tokens:"BOS"): 1.0} ov {(tokens:"a", h:1): 1.0}
  }
  craft.layer 1 {
    craft.mlp "w" hidden 1 fst {(h:1, 0): 1.0} snd {(0, w): 1.0}
  }
  craft.layer 2 {
    craft.mlp "more" hidden 1 fst {(w, 0): 1.0} snd {(0, w): 1.0, (0, out:1): 1.0}
  }
  craft.layer 3 {
    craft.mlp "last" hidden 1 fst {(w, 0): 1.0} snd {(0, out:2): 1.0}
  }
  craft.unembed categorical {1: {out:1 = 1.0}, 2: {out:2 = 1.0}}
}

// WIDTH: builtin.module {
// WIDTH-NEXT: craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" attributes {residual_live_peak = 3 : i64, residual_erasure_peak = 5 : i64, residual_width_before = 7 : i64, residual_width = 5 : i64, erase_units = 2 : i64} {
// WIDTH-NEXT: craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
// WIDTH-NEXT: craft.embed positions {0: {}, 1: {}}
// WIDTH-NEXT: craft.layer 0 {
// WIDTH-NEXT: craft.head "h" qk {(one, tokens:"BOS"): 1.0} ov {(tokens:"a", h:1): 1.0}
// WIDTH-NEXT: craft.mlp "erase" hidden 1 fst {(tokens:"a", 0): 1.0} snd {(0, tokens:"a"): -1.0}
// WIDTH-NEXT: }
// WIDTH-NEXT: craft.layer 1 {
// WIDTH-NEXT: craft.mlp "w" hidden 1 fst {(h:1, 0): 1.0} snd {(0, w): 1.0}
// WIDTH-NEXT: craft.mlp "erase" hidden 1 fst {(h:1, 0): 1.0} snd {(0, h:1): -1.0}
// WIDTH-NEXT: }
// WIDTH-NEXT: craft.layer 2 {
// WIDTH-NEXT: craft.mlp "more" hidden 1 fst {(w, 0): 1.0} snd {(0, w): 1.0, (0, out:1): 1.0}
// WIDTH-NEXT: }
// WIDTH-NEXT: craft.layer 3 {
// WIDTH-NEXT: craft.mlp "last" hidden 1 fst {(w, 0): 1.0} snd {(0, out:2): 1.0}
// WIDTH-NEXT: }
// WIDTH-NEXT: craft.share [tokens:"a", out:1]
// WIDTH-NEXT: craft.share [h:1, w]
// WIDTH-NEXT: craft.unembed categorical {1: {out:1 = 1.0}, 2: {out:2 = 1.0}}
// WIDTH-NEXT: }
// WIDTH-NEXT: }

// PARAMS: builtin.module {
// PARAMS-NEXT: craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" attributes {residual_live_peak = 3 : i64, residual_erasure_peak = 5 : i64, residual_width_before = 7 : i64, residual_width = 5 : i64, erase_units = 2 : i64} {
// PARAMS-NEXT: craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
// PARAMS-NEXT: craft.embed positions {0: {}, 1: {}}
// PARAMS-NEXT: craft.layer 0 {
// PARAMS-NEXT: craft.head "h" qk {(one, tokens:"BOS"): 1.0} ov {(tokens:"a", h:1): 1.0}
// PARAMS-NEXT: craft.mlp "erase" hidden 1 fst {(tokens:"a", 0): 1.0} snd {(0, tokens:"a"): -1.0}
// PARAMS-NEXT: }
// PARAMS-NEXT: craft.layer 1 {
// PARAMS-NEXT: craft.mlp "w" hidden 1 fst {(h:1, 0): 1.0} snd {(0, w): 1.0}
// PARAMS-NEXT: craft.mlp "erase" hidden 1 fst {(h:1, 0): 1.0} snd {(0, h:1): -1.0}
// PARAMS-NEXT: }
// PARAMS-NEXT: craft.layer 2 {
// PARAMS-NEXT: craft.mlp "more" hidden 1 fst {(w, 0): 1.0} snd {(0, w): 1.0, (0, out:1): 1.0}
// PARAMS-NEXT: }
// PARAMS-NEXT: craft.layer 3 {
// PARAMS-NEXT: craft.mlp "last" hidden 1 fst {(w, 0): 1.0} snd {(0, out:2): 1.0}
// PARAMS-NEXT: }
// PARAMS-NEXT: craft.share [tokens:"a", out:1]
// PARAMS-NEXT: craft.share [h:1, w]
// PARAMS-NEXT: craft.unembed categorical {1: {out:1 = 1.0}, 2: {out:2 = 1.0}}
// PARAMS-NEXT: }
// PARAMS-NEXT: }

// BALANCED: builtin.module {
// BALANCED-NEXT: craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" attributes {residual_live_peak = 3 : i64, residual_erasure_peak = 5 : i64, residual_width_before = 7 : i64, residual_width = 7 : i64, erase_units = 0 : i64} {
// BALANCED-NEXT: craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
// BALANCED-NEXT: craft.embed positions {0: {}, 1: {}}
// BALANCED-NEXT: craft.layer 0 {
// BALANCED-NEXT: craft.head "h" qk {(one, tokens:"BOS"): 1.0} ov {(tokens:"a", h:1): 1.0}
// BALANCED-NEXT: }
// BALANCED-NEXT: craft.layer 1 {
// BALANCED-NEXT: craft.mlp "w" hidden 1 fst {(h:1, 0): 1.0} snd {(0, w): 1.0}
// BALANCED-NEXT: }
// BALANCED-NEXT: craft.layer 2 {
// BALANCED-NEXT: craft.mlp "more" hidden 1 fst {(w, 0): 1.0} snd {(0, w): 1.0, (0, out:1): 1.0}
// BALANCED-NEXT: }
// BALANCED-NEXT: craft.layer 3 {
// BALANCED-NEXT: craft.mlp "last" hidden 1 fst {(w, 0): 1.0} snd {(0, out:2): 1.0}
// BALANCED-NEXT: }
// BALANCED-NEXT: craft.unembed categorical {1: {out:1 = 1.0}, 2: {out:2 = 1.0}}
// BALANCED-NEXT: }
// BALANCED-NEXT: }

// -----
// One unit or two for a numerical direction. pos and neg are written by heads
// that copy the one-hot tokens:"a": pos with weight 1 (a convex mix of
// non-negative numbers, never negative: ReLU(pos) -> -pos is enough), neg
// with weight -1 (may be negative: ReLU(neg) -> -neg and ReLU(-neg) -> +neg).
// Lives: tokens:"a" [0, 1], pos and neg [1, 2], y:1..3 [2, 3] (the output).
// width: y:1, y:2, y:3 take the coordinates of tokens:"a", pos and neg (all
// free from 2, the first on ties), so all three are erased in layer 0: 1 + 1
// + 2 = 4 units, width 5 of 8 = the erasure peak (slot 1: one, BOS,
// tokens:"a", pos, neg). params (a coordinate costs 21): y:1 on tokens:"a"'s
// (2·8 = 16) and y:2 on pos's (2·7 = 14) pay, y:3 on neg's (two units,
// 2·2·6 = 24) does not. balanced (3 hidden units, width 8) keeps the model.

craft.model vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "b": {one = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
  craft.embed positions {0: {}, 1: {}, 2: {}}
  craft.layer 0 {
    craft.head "pos" qk {(one, tokens:"BOS"): 1.0} ov {(tokens:"a", pos): 1.0}
    craft.head "neg" qk {(one, tokens:"BOS"): 1.0} ov {(tokens:"a", neg): -1.0}
    craft.mlp "y" hidden 3 fst {(pos, 0): 4.0, (neg, 1): -4.0, (pos, 2): 2.0, (neg, 2): -2.0} snd {(0, y:1): 1.0, (1, y:2): 1.0, (2, y:3): 1.0}
  }
  craft.unembed categorical {1: {y:1 = 1.0}, 2: {y:2 = 1.0}, 3: {y:3 = 1.0}}
}

// WIDTH: builtin.module {
// WIDTH-NEXT: craft.model vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" attributes {residual_live_peak = 3 : i64, residual_erasure_peak = 5 : i64, residual_width_before = 8 : i64, residual_width = 5 : i64, erase_units = 4 : i64} {
// WIDTH-NEXT: craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "b": {one = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
// WIDTH-NEXT: craft.embed positions {0: {}, 1: {}, 2: {}}
// WIDTH-NEXT: craft.layer 0 {
// WIDTH-NEXT: craft.head "pos" qk {(one, tokens:"BOS"): 1.0} ov {(tokens:"a", pos): 1.0}
// WIDTH-NEXT: craft.head "neg" qk {(one, tokens:"BOS"): 1.0} ov {(tokens:"a", neg): -1.0}
// WIDTH-NEXT: craft.mlp "y" hidden 3 fst {(pos, 0): 4.0, (neg, 1): -4.0, (pos, 2): 2.0, (neg, 2): -2.0} snd {(0, y:1): 1.0, (1, y:2): 1.0, (2, y:3): 1.0}
// WIDTH-NEXT: craft.mlp "erase" hidden 4 fst {(tokens:"a", 0): 1.0, (pos, 1): 1.0, (neg, 2): 1.0, (neg, 3): -1.0} snd {(0, tokens:"a"): -1.0, (1, pos): -1.0, (2, neg): -1.0, (3, neg): 1.0}
// WIDTH-NEXT: }
// WIDTH-NEXT: craft.share [tokens:"a", y:1]
// WIDTH-NEXT: craft.share [pos, y:2]
// WIDTH-NEXT: craft.share [neg, y:3]
// WIDTH-NEXT: craft.unembed categorical {1: {y:1 = 1.0}, 2: {y:2 = 1.0}, 3: {y:3 = 1.0}}
// WIDTH-NEXT: }
// WIDTH-NEXT: }

// PARAMS: builtin.module {
// PARAMS-NEXT: craft.model vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" attributes {residual_live_peak = 3 : i64, residual_erasure_peak = 5 : i64, residual_width_before = 8 : i64, residual_width = 6 : i64, erase_units = 2 : i64} {
// PARAMS-NEXT: craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "b": {one = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
// PARAMS-NEXT: craft.embed positions {0: {}, 1: {}, 2: {}}
// PARAMS-NEXT: craft.layer 0 {
// PARAMS-NEXT: craft.head "pos" qk {(one, tokens:"BOS"): 1.0} ov {(tokens:"a", pos): 1.0}
// PARAMS-NEXT: craft.head "neg" qk {(one, tokens:"BOS"): 1.0} ov {(tokens:"a", neg): -1.0}
// PARAMS-NEXT: craft.mlp "y" hidden 3 fst {(pos, 0): 4.0, (neg, 1): -4.0, (pos, 2): 2.0, (neg, 2): -2.0} snd {(0, y:1): 1.0, (1, y:2): 1.0, (2, y:3): 1.0}
// PARAMS-NEXT: craft.mlp "erase" hidden 2 fst {(tokens:"a", 0): 1.0, (pos, 1): 1.0} snd {(0, tokens:"a"): -1.0, (1, pos): -1.0}
// PARAMS-NEXT: }
// PARAMS-NEXT: craft.share [tokens:"a", y:1]
// PARAMS-NEXT: craft.share [pos, y:2]
// PARAMS-NEXT: craft.unembed categorical {1: {y:1 = 1.0}, 2: {y:2 = 1.0}, 3: {y:3 = 1.0}}
// PARAMS-NEXT: }
// PARAMS-NEXT: }

// BALANCED: builtin.module {
// BALANCED-NEXT: craft.model vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" attributes {residual_live_peak = 3 : i64, residual_erasure_peak = 5 : i64, residual_width_before = 8 : i64, residual_width = 8 : i64, erase_units = 0 : i64} {
// BALANCED-NEXT: craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "b": {one = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
// BALANCED-NEXT: craft.embed positions {0: {}, 1: {}, 2: {}}
// BALANCED-NEXT: craft.layer 0 {
// BALANCED-NEXT: craft.head "pos" qk {(one, tokens:"BOS"): 1.0} ov {(tokens:"a", pos): 1.0}
// BALANCED-NEXT: craft.head "neg" qk {(one, tokens:"BOS"): 1.0} ov {(tokens:"a", neg): -1.0}
// BALANCED-NEXT: craft.mlp "y" hidden 3 fst {(pos, 0): 4.0, (neg, 1): -4.0, (pos, 2): 2.0, (neg, 2): -2.0} snd {(0, y:1): 1.0, (1, y:2): 1.0, (2, y:3): 1.0}
// BALANCED-NEXT: }
// BALANCED-NEXT: craft.unembed categorical {1: {y:1 = 1.0}, 2: {y:2 = 1.0}, 3: {y:3 = 1.0}}
// BALANCED-NEXT: }
// BALANCED-NEXT: }

// -----
// Where hidden units are many and the residual narrow, every objective
// reuses: tokens:"a" [0, 2], x:1 [2, 4], y:1 [4, 5] follow each other on one
// coordinate (width 1, erasure peak 1). balanced: H = 5 units, D = 3: one unit
// pays (1·2 < 5), and again after it (1·1 < 6). params: a coordinate costs
// 3 + 2 + 2·5 = 15, a unit 2·3 = 6, then 2·2 = 4.

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
  craft.embed positions {0: {}, 1: {}}
  craft.layer 0 {
    craft.mlp "x" hidden 4 fst {(tokens:"a", 0): 1.0, (tokens:"a", 1): 1.0, (tokens:"a", 2): 1.0, (tokens:"a", 3): 1.0} snd {(0, x:1): 0.25, (1, x:1): 0.25, (2, x:1): 0.25, (3, x:1): 0.25}
  }
  craft.layer 1 {
    craft.mlp "y" hidden 1 fst {(x:1, 0): 1.0} snd {(0, y:1): 1.0}
  }
  craft.unembed categorical {1: {y:1 = 1.0}}
}

// ALL: builtin.module {
// ALL-NEXT: craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" attributes {residual_live_peak = 1 : i64, residual_erasure_peak = 1 : i64, residual_width_before = 3 : i64, residual_width = 1 : i64, erase_units = 2 : i64} {
// ALL-NEXT: craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
// ALL-NEXT: craft.embed positions {0: {}, 1: {}}
// ALL-NEXT: craft.layer 0 {
// ALL-NEXT: craft.mlp "x" hidden 4 fst {(tokens:"a", 0): 1.0, (tokens:"a", 1): 1.0, (tokens:"a", 2): 1.0, (tokens:"a", 3): 1.0} snd {(0, x:1): 0.25, (1, x:1): 0.25, (2, x:1): 0.25, (3, x:1): 0.25}
// ALL-NEXT: craft.mlp "erase" hidden 1 fst {(tokens:"a", 0): 1.0} snd {(0, tokens:"a"): -1.0}
// ALL-NEXT: }
// ALL-NEXT: craft.layer 1 {
// ALL-NEXT: craft.mlp "y" hidden 1 fst {(x:1, 0): 1.0} snd {(0, y:1): 1.0}
// ALL-NEXT: craft.mlp "erase" hidden 1 fst {(x:1, 0): 1.0} snd {(0, x:1): -1.0}
// ALL-NEXT: }
// ALL-NEXT: craft.share [tokens:"a", x:1, y:1]
// ALL-NEXT: craft.unembed categorical {1: {y:1 = 1.0}}
// ALL-NEXT: }
// ALL-NEXT: }
