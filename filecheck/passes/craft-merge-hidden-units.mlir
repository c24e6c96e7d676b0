// RUN: raspir-opt %s --split-input-file -p craft-merge-hidden-units | filecheck %s --match-full-lines

// Merging again changes nothing: no layer has two equal columns left.
// RUN: raspir-opt %s --split-input-file -p craft-merge-hidden-units -o %t.once.mlir
// RUN: raspir-opt %t.once.mlir --split-input-file -p craft-merge-hidden-units -o %t.twice.mlir
// RUN: diff %t.once.mlir %t.twice.mlir

// A lib program through -O2 (up to craft-compress-residual). In shuffle_dyck
// at max_seq_len 3, layer 2 holds two discretising MLPs of the number
// balance_(): "any_negative" (is it below 0, as a number) and "map_2" (the
// same test, as true/false). Both step at the same threshold with the same
// slope, so map_2's two falling-step units have the columns of
// any_negative's two units; they merge into any_negative's, whose rows then
// also write map_2:true and map_2:false. map_2 keeps its BOS-silenced
// baseline unit and its two rising-step units: 3 of 5. Layer 2's MLP is 5
// units instead of 7.
// RUN: raspir ir raspir.testing.library:shuffle_dyck --vocab '(,),x' --max-seq-len 3 | raspir-opt -p 'canonicalize,cse,rasp-legalize,rasp-fuse-maps,rasp-prune-value-sets,canonicalize,dce,rasp-choose-encodings,convert-rasp-to-sa,schedule-layers{narrow=true},convert-sa-to-craft,craft-eliminate-dead-directions,craft-compress-residual,craft-merge-hidden-units,convert-craft-to-la' | filecheck %s --match-full-lines --check-prefix=LIB
// LIB: la.mlp 2 blocks {"any_negative" = 2, "map_2" = 3} fst @"transformer/layer_2/mlp/linear_1/w" snd @"transformer/layer_2/mlp/linear_2/w"

// == Equal columns across the MLPs of a layer ==
//
// Layer 0: "p" and "q" both have the baseline unit ReLU(one - tokens:"BOS")
// (unit 0 of each): q's merges into p's, whose row becomes {p: 1.0,
// q:"t": 1.0}. p's unit 1 reads x with weight 4.0 and bias -1.0; q's unit 1
// reads x with 4.0 but bias -2.0: a different function, kept. q is
// renumbered: its unit 1 becomes unit 0.
//
// "r" has the column of p's unit 1 and nothing else: it merges into p's unit
// 1 (row {p: 2.0, r: 0.5}), and r, left with no unit, goes.
//
// Layer 1: "s" has the column of p's unit 0 too, but reads the residual
// after layer 0 has written: another state, so it stays.

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {one = 1.0, x = 0.5}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
  craft.embed positions {0: {}, 1: {}}
  craft.layer 0 {
    craft.mlp "p" hidden 2 fst {(one, 0): 1.0, (tokens:"BOS", 0): -1.0, (x, 1): 4.0, (one, 1): -1.0} snd {(0, p): 1.0, (1, p): 2.0}
    craft.mlp "q" hidden 2 fst {(one, 0): 1.0, (tokens:"BOS", 0): -1.0, (x, 1): 4.0, (one, 1): -2.0} snd {(0, q:"t"): 1.0, (1, q:"u"): 1.0}
    craft.mlp "r" hidden 1 fst {(one, 0): -1.0, (x, 0): 4.0} snd {(0, r): 0.5}
  }
  craft.layer 1 {
    craft.mlp "s" hidden 1 fst {(one, 0): 1.0, (tokens:"BOS", 0): -1.0} snd {(0, s): 1.0}
  }
  craft.unembed numerical {none: {p = 1.0, q:"t" = 1.0, q:"u" = 1.0, r = 1.0, s = 1.0}}
}

// CHECK: builtin.module {
// CHECK-NEXT: craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
// CHECK-NEXT: craft.embed tokens {"a": {one = 1.0, x = 0.5}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
// CHECK-NEXT: craft.embed positions {0: {}, 1: {}}
// CHECK-NEXT: craft.layer 0 {
// CHECK-NEXT: craft.mlp "p" hidden 2 fst {(one, 0): 1.0, (tokens:"BOS", 0): -1.0, (x, 1): 4.0, (one, 1): -1.0} snd {(0, p): 1.0, (0, q:"t"): 1.0, (1, p): 2.0, (1, r): 0.5}
// CHECK-NEXT: craft.mlp "q" hidden 1 fst {(x, 0): 4.0, (one, 0): -2.0} snd {(0, q:"u"): 1.0}
// CHECK-NEXT: }
// CHECK-NEXT: craft.layer 1 {
// CHECK-NEXT: craft.mlp "s" hidden 1 fst {(one, 0): 1.0, (tokens:"BOS", 0): -1.0} snd {(0, s): 1.0}
// CHECK-NEXT: }
// CHECK-NEXT: craft.unembed numerical {none: {p = 1.0, q:"t" = 1.0, q:"u" = 1.0, r = 1.0, s = 1.0}}
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// == Rows that add up ==
//
// An "erase" block of craft-compress-residual takes `n` off its coordinate
// with ReLU(n) written as -n; the linear MLP "lin" has the same unit ReLU(n)
// (its unit 0), written to `m` with weight 3.0. The merged unit writes
// {m: 3.0, n: -1.0}, and the erase block, left with no unit, goes.
//
// Within one MLP: "c"'s units 0 and 1 both read y with weight 1.0; their rows
// write z with 1.0 and -1.0, which add up to nothing. The merged unit writes
// nothing, so it goes too: c keeps its unit 2 alone, as unit 0.

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {one = 1.0, n = 2.0, y = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
  craft.embed positions {0: {}, 1: {}}
  craft.layer 0 {
    craft.mlp "lin" hidden 2 fst {(n, 0): 1.0, (n, 1): -1.0} snd {(0, m): 3.0, (1, m): -3.0}
    craft.mlp "c" hidden 3 fst {(y, 0): 1.0, (y, 1): 1.0, (y, 2): 2.0} snd {(0, z): 1.0, (1, z): -1.0, (2, z): 1.0}
    craft.mlp "erase" hidden 1 fst {(n, 0): 1.0} snd {(0, n): -1.0}
  }
  craft.unembed numerical {none: {m = 1.0, z = 1.0}}
}

// CHECK: craft.layer 0 {
// CHECK-NEXT: craft.mlp "lin" hidden 2 fst {(n, 0): 1.0, (n, 1): -1.0} snd {(0, m): 3.0, (0, n): -1.0, (1, m): -3.0}
// CHECK-NEXT: craft.mlp "c" hidden 1 fst {(y, 0): 2.0} snd {(0, z): 1.0}
// CHECK-NEXT: }
