// RUN: raspir-opt %s --split-input-file | filecheck %s --match-full-lines
// RUN: raspir-opt %s --split-input-file | raspir-opt --split-input-file | filecheck %s --match-full-lines
// RUN: raspir-opt %s --split-input-file --print-op-generic | raspir-opt --split-input-file | filecheck %s --match-full-lines
// RUN: raspir-opt %s --split-input-file --print-op-generic | filecheck %s --match-full-lines --check-prefix=GENERIC

// Printing is a fixed point, byte for byte, in both forms.
// RUN: raspir-opt %s --split-input-file -o %t.custom1.mlir
// RUN: raspir-opt %t.custom1.mlir --split-input-file -o %t.custom2.mlir
// RUN: diff %t.custom1.mlir %t.custom2.mlir
// RUN: raspir-opt %s --split-input-file --print-op-generic -o %t.generic1.mlir
// RUN: raspir-opt %t.generic1.mlir --split-input-file --print-op-generic -o %t.generic2.mlir
// RUN: diff %t.generic1.mlir %t.generic2.mlir

// Every craft op: a causal model with pad none and a discardable attribute,
// both embeddings, a layer with heads then MLPs, a layer holding an MLP without
// hidden units, an empty layer (printed as `{` and `}`) and a categorical
// unembedding. Directions are bare names (one, tokens, n.inverse_width), quoted
// names ("shift_by(2)", "odd name") or a name and a value of any type (string,
// negative int, float, bool, tuple, none); an MLP's hidden units are numbers.
// Weights print as floats; an embedding or unembedding table writes each
// vector entry as `direction = weight`, a matrix each entry as `(row, col): w`;
// a matrix adds up repeated entries (type-exactly: m:1, m:1.0 and m:true are
// three directions) and drops zeros.

craft.model vocab {"a", "b"} max_seq_len 2 bos "BOS" pad none causal attributes {origin = "roundtrip"} {
  craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1}, "b": {one = 1, tokens:"b" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, none: {one = 1.0}}
  craft.embed positions {0: {}, 1: {indices:0 = 1.0}, 2: {indices:1 = 1.0, "odd name":-3 = 2.5e-3}}
  craft.layer 0 {
    craft.head "shift_by(2)" qk {(indices:1, indices:0): 12.5, (one, tokens:"BOS"): 6.25} ov {(tokens:"a", "shift_by(2)":"a"): 1.0, (tokens:"b", "shift_by(2)":"b"): 1.0}
    craft.head "n" qk {(tokens:"a", tokens:"a"): 7.0, (one, tokens:"BOS"): 7.0} ov {(tokens:"BOS", n.inverse_width): 1.0}
    craft.mlp "n" hidden 3 fst {(one, 0): 1.0, (tokens:"BOS", 0): -1.0, (n.inverse_width, 1): 12.75, (n.inverse_width, 2): 12.75, (one, 2): -1.5} snd {(0, n:2): 1.0, (1, n:1): -1.0, (2, n:1): 1.0}
    craft.mlp "m" hidden 2 fst {(n:1, 0): 2.0, (n:1, 0): 0.5, (one, 0): 0.0, ("odd name":-3, 1): -1.0e-05} snd {(0, m:1): 1.0, (0, m:1.0): 2.0, (0, m:true): 3.0, (1, m:(1, "x")): -2.5, (1, m:none): 4.0}
  }
  craft.layer 1 {
    craft.mlp "unused" hidden 0 fst {} snd {}
  }
  craft.layer 2 {
  }
  craft.unembed categorical {1: {m:1 = 1.0}, 1.0: {m:1.0 = 1.0}, true: {m:true = 1.0}, (1, "x"): {m:(1, "x") = 1.0}}
}

// CHECK: builtin.module {
// CHECK-NEXT: craft.model vocab {"a", "b"} max_seq_len 2 bos "BOS" pad none causal attributes {origin = "roundtrip"} {
// CHECK-NEXT: craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "b": {one = 1.0, tokens:"b" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, none: {one = 1.0}}
// CHECK-NEXT: craft.embed positions {0: {}, 1: {indices:0 = 1.0}, 2: {indices:1 = 1.0, "odd name":-3 = 0.0025}}
// CHECK-NEXT: craft.layer 0 {
// CHECK-NEXT: craft.head "shift_by(2)" qk {(indices:1, indices:0): 12.5, (one, tokens:"BOS"): 6.25} ov {(tokens:"a", "shift_by(2)":"a"): 1.0, (tokens:"b", "shift_by(2)":"b"): 1.0}
// CHECK-NEXT: craft.head "n" qk {(tokens:"a", tokens:"a"): 7.0, (one, tokens:"BOS"): 7.0} ov {(tokens:"BOS", n.inverse_width): 1.0}
// CHECK-NEXT: craft.mlp "n" hidden 3 fst {(one, 0): 1.0, (tokens:"BOS", 0): -1.0, (n.inverse_width, 1): 12.75, (n.inverse_width, 2): 12.75, (one, 2): -1.5} snd {(0, n:2): 1.0, (1, n:1): -1.0, (2, n:1): 1.0}
// CHECK-NEXT: craft.mlp "m" hidden 2 fst {(n:1, 0): 2.5, ("odd name":-3, 1): -1.0e-05} snd {(0, m:1): 1.0, (0, m:1.0): 2.0, (0, m:true): 3.0, (1, m:(1, "x")): -2.5, (1, m:none): 4.0}
// CHECK-NEXT: }
// CHECK-NEXT: craft.layer 1 {
// CHECK-NEXT: craft.mlp "unused" hidden 0 fst {} snd {}
// CHECK-NEXT: }
// CHECK-NEXT: craft.layer 2 {
// CHECK-NEXT: }
// CHECK-NEXT: craft.unembed categorical {1: {m:1 = 1.0}, 1.0: {m:1.0 = 1.0}, true: {m:true = 1.0}, (1, "x"): {m:(1, "x") = 1.0}}
// CHECK-NEXT: }
// CHECK-NEXT: }

// GENERIC: "builtin.module"() ({
// GENERIC-NEXT: "craft.model"() <{vocab = #rasp.values<{"a", "b"}>, max_seq_len = #builtin.int<2>, bos = #rasp.value<"BOS">, pad = #rasp.value<none>, causal = true}> ({
// GENERIC-NEXT: "craft.embed"() <{kind = "tokens", table = #craft.embedding<{"a": {one = 1.0, tokens:"a" = 1.0}, "b": {one = 1.0, tokens:"b" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, none: {one = 1.0}}>}> : () -> ()
// GENERIC-NEXT: "craft.embed"() <{kind = "positions", table = #craft.embedding<{0: {}, 1: {indices:0 = 1.0}, 2: {indices:1 = 1.0, "odd name":-3 = 0.0025}}>}> : () -> ()
// GENERIC-NEXT: "craft.layer"() <{index = #builtin.int<0>}> ({
// GENERIC-NEXT: "craft.head"() <{label = "shift_by(2)", qk = #craft.matrix<{(indices:1, indices:0): 12.5, (one, tokens:"BOS"): 6.25}>, ov = #craft.matrix<{(tokens:"a", "shift_by(2)":"a"): 1.0, (tokens:"b", "shift_by(2)":"b"): 1.0}>}> : () -> ()
// GENERIC-NEXT: "craft.head"() <{label = "n", qk = #craft.matrix<{(tokens:"a", tokens:"a"): 7.0, (one, tokens:"BOS"): 7.0}>, ov = #craft.matrix<{(tokens:"BOS", n.inverse_width): 1.0}>}> : () -> ()
// GENERIC-NEXT: "craft.mlp"() <{label = "n", hidden = #builtin.int<3>, fst = #craft.matrix<{(one, 0): 1.0, (tokens:"BOS", 0): -1.0, (n.inverse_width, 1): 12.75, (n.inverse_width, 2): 12.75, (one, 2): -1.5}>, snd = #craft.matrix<{(0, n:2): 1.0, (1, n:1): -1.0, (2, n:1): 1.0}>}> : () -> ()
// GENERIC-NEXT: "craft.mlp"() <{label = "m", hidden = #builtin.int<2>, fst = #craft.matrix<{(n:1, 0): 2.5, ("odd name":-3, 1): -1.0e-05}>, snd = #craft.matrix<{(0, m:1): 1.0, (0, m:1.0): 2.0, (0, m:true): 3.0, (1, m:(1, "x")): -2.5, (1, m:none): 4.0}>}> : () -> ()
// GENERIC-NEXT: }) : () -> ()
// GENERIC-NEXT: "craft.layer"() <{index = #builtin.int<1>}> ({
// GENERIC-NEXT: "craft.mlp"() <{label = "unused", hidden = #builtin.int<0>, fst = #craft.matrix<{}>, snd = #craft.matrix<{}>}> : () -> ()
// GENERIC-NEXT: }) : () -> ()
// GENERIC-NEXT: "craft.layer"() <{index = #builtin.int<2>}> ({
// GENERIC-NEXT: ^bb0:
// GENERIC-NEXT: }) : () -> ()
// GENERIC-NEXT: "craft.unembed"() <{encoding = "categorical", table = #craft.embedding<{1: {m:1 = 1.0}, 1.0: {m:1.0 = 1.0}, true: {m:true = 1.0}, (1, "x"): {m:(1, "x") = 1.0}}>}> : () -> ()
// GENERIC-NEXT: }) {origin = "roundtrip"} : () -> ()
// GENERIC-NEXT: }) : () -> ()

// -----

// A numerical unembedding reads the output from one bare direction, under the
// key none. Bare directions such as `one` and `x` take a weight in a table
// like any other. An empty layer written with an empty block `^bb0:` is
// accepted too and prints as `{` and `}`; the generic form keeps the block.

craft.model vocab {0, 1} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {0: {one = 1.0, tokens:0 = 1.0}, 1: {one = 1.0, tokens:1 = 1.0, x = -0.5}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1}}
  craft.embed positions {0: {}, 1: {}}
  craft.layer 0 {
    craft.head "frac" qk {(one, tokens:"BOS"): 4.0} ov {(x, frac): 1.0}
  }
  craft.layer 1 {
  ^bb0:
  }
  craft.unembed numerical {none: {frac = 1.0}}
}

// CHECK: {{//}} -----
// CHECK: builtin.module {
// CHECK-NEXT: craft.model vocab {0, 1} max_seq_len 1 bos "BOS" pad "PAD" {
// CHECK-NEXT: craft.embed tokens {0: {one = 1.0, tokens:0 = 1.0}, 1: {one = 1.0, tokens:1 = 1.0, x = -0.5}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
// CHECK-NEXT: craft.embed positions {0: {}, 1: {}}
// CHECK-NEXT: craft.layer 0 {
// CHECK-NEXT: craft.head "frac" qk {(one, tokens:"BOS"): 4.0} ov {(x, frac): 1.0}
// CHECK-NEXT: }
// CHECK-NEXT: craft.layer 1 {
// CHECK-NEXT: }
// CHECK-NEXT: craft.unembed numerical {none: {frac = 1.0}}
// CHECK-NEXT: }
// CHECK-NEXT: }

// GENERIC: {{//}} -----
// GENERIC: "builtin.module"() ({
// GENERIC-NEXT: "craft.model"() <{vocab = #rasp.values<{0, 1}>, max_seq_len = #builtin.int<1>, bos = #rasp.value<"BOS">, pad = #rasp.value<"PAD">, causal = false}> ({
// GENERIC-NEXT: "craft.embed"() <{kind = "tokens", table = #craft.embedding<{0: {one = 1.0, tokens:0 = 1.0}, 1: {one = 1.0, tokens:1 = 1.0, x = -0.5}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}>}> : () -> ()
// GENERIC-NEXT: "craft.embed"() <{kind = "positions", table = #craft.embedding<{0: {}, 1: {}}>}> : () -> ()
// GENERIC-NEXT: "craft.layer"() <{index = #builtin.int<0>}> ({
// GENERIC-NEXT: "craft.head"() <{label = "frac", qk = #craft.matrix<{(one, tokens:"BOS"): 4.0}>, ov = #craft.matrix<{(x, frac): 1.0}>}> : () -> ()
// GENERIC-NEXT: }) : () -> ()
// GENERIC-NEXT: "craft.layer"() <{index = #builtin.int<1>}> ({
// GENERIC-NEXT: ^bb0:
// GENERIC-NEXT: }) : () -> ()
// GENERIC-NEXT: "craft.unembed"() <{encoding = "numerical", table = #craft.embedding<{none: {frac = 1.0}}>}> : () -> ()
// GENERIC-NEXT: }) : () -> ()
// GENERIC-NEXT: }) : () -> ()
