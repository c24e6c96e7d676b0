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

// Every la op in a causal model with two layers: the residual basis (the BOS
// token direction, a categorical direction with a string, a negative int or a
// float value, a quoted name, the bare `one` and a numerical direction), inline
// and external weights, the embedding, a two-head attention, an MLP of two
// blocks side by side, an empty attention and an empty MLP (no weights), and a
// categorical unembedding whose values are of several types.
//
// Inline weights print each float32 as the shortest decimal that reads back as
// the same float32, in the value syntax, always with a `.`: 1.0e-05 stays
// 1.0e-05, 1.0e20 prints as 1.0e+20, integers written without a point (1, 0) as
// 1.0 and 0.0,
// -0.0 keeps its sign; a value that is not a float32 is rounded to one
// (6.23841618196509 -> 6.238416, 0.30000001192092896 -> 0.3,
// 16777217.0 -> 16777216.0). External weights keep their digest and non-zero
// count as written.

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" causal {
  la.residual [tokens:"BOS", tokens:"a", one, "odd name":-3, m:1.5, n]
  la.weight @"token_embed/embeddings" [3, 6] dense [[0.0, 1.0, 1.0, 0.0, 0.0, 0.0], [1.0, 0.0, 1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0, 0.0, 0.0]]
  la.weight @"pos_embed/embeddings" [2, 6] external "2ea9ab9198d16380" nnz 0
  la.weight @q [6, 2] dense [[0.1, -3.0], [12.5, 1.0e-05], [1.0e20, -0.0], [6.23841618196509, 0.30000001192092896], [3.4028235e38, 1.0e-45], [2.5e-3, 16777217.0]]
  la.weight @k [6, 2] external "0123456789abcdef" nnz 12
  la.weight @v [6, 2] dense [[1, 0], [0, 1], [0, 0], [0, 0], [0, 0], [0, 0]]
  la.weight @o [2, 6] dense [[0.0, 0.0, 0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 1.0, 0.0, 0.0]]
  la.weight @fst [6, 3] external "fedcba9876543210" nnz 4
  la.weight @snd [3, 6] dense [[0.0, 0.0, 0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0, 0.0, -2.0]]
  la.weight @"unembed/w" [6, 4] dense [[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]]
  la.embed tokens ["a", "BOS", "PAD"] @"token_embed/embeddings" positions @"pos_embed/embeddings"
  la.attention 0 heads ["shift_by(2)", "h"] key_size 1 value_size 1 query @q key @k value @v output @o
  la.mlp 0 blocks {"m" = 1, "n" = 2} fst @fst snd @snd
  la.attention 1 heads [] key_size 0 value_size 0
  la.mlp 1 blocks {}
  la.unembed categorical [-3, 1.5, true, none] @"unembed/w"
}

// CHECK: builtin.module {
// CHECK-NEXT:   la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" causal {
// CHECK-NEXT:     la.residual [tokens:"BOS", tokens:"a", one, "odd name":-3, m:1.5, n]
// CHECK-NEXT:     la.weight @"token_embed/embeddings" [3, 6] dense {{\[}}[0.0, 1.0, 1.0, 0.0, 0.0, 0.0], [1.0, 0.0, 1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0, 0.0, 0.0]]
// CHECK-NEXT:     la.weight @"pos_embed/embeddings" [2, 6] external "2ea9ab9198d16380" nnz 0
// CHECK-NEXT:     la.weight @q [6, 2] dense {{\[}}[0.1, -3.0], [12.5, 1.0e-05], [1.0e+20, -0.0], [6.238416, 0.3], [3.4028235e+38, 1.0e-45], [0.0025, 16777216.0]]
// CHECK-NEXT:     la.weight @k [6, 2] external "0123456789abcdef" nnz 12
// CHECK-NEXT:     la.weight @v [6, 2] dense {{\[}}[1.0, 0.0], [0.0, 1.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]
// CHECK-NEXT:     la.weight @o [2, 6] dense {{\[}}[0.0, 0.0, 0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 1.0, 0.0, 0.0]]
// CHECK-NEXT:     la.weight @fst [6, 3] external "fedcba9876543210" nnz 4
// CHECK-NEXT:     la.weight @snd [3, 6] dense {{\[}}[0.0, 0.0, 0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0, 0.0, -2.0]]
// CHECK-NEXT:     la.weight @"unembed/w" [6, 4] dense {{\[}}[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]]
// CHECK-NEXT:     la.embed tokens ["a", "BOS", "PAD"] @"token_embed/embeddings" positions @"pos_embed/embeddings"
// CHECK-NEXT:     la.attention 0 heads ["shift_by(2)", "h"] key_size 1 value_size 1 query @q key @k value @v output @o
// CHECK-NEXT:     la.mlp 0 blocks {"m" = 1, "n" = 2} fst @fst snd @snd
// CHECK-NEXT:     la.attention 1 heads [] key_size 0 value_size 0
// CHECK-NEXT:     la.mlp 1 blocks {}
// CHECK-NEXT:     la.unembed categorical [-3, 1.5, true, none] @"unembed/w"
// CHECK-NEXT:   }
// CHECK-NEXT: }

// GENERIC: "builtin.module"() ({
// GENERIC-NEXT:   "la.model"() <{vocab = #rasp.values<{"a"}>, max_seq_len = #builtin.int<1>, bos = #rasp.value<"BOS">, pad = #rasp.value<"PAD">, causal = true}> ({
// GENERIC-NEXT:     "la.residual"() <{directions = #la.directions<[tokens:"BOS", tokens:"a", one, "odd name":-3, m:1.5, n]>}> : () -> ()
// GENERIC-NEXT:     "la.weight"() <{sym_name = "token_embed/embeddings", value = #la.weight_data<[3, 6] dense {{\[}}[0.0, 1.0, 1.0, 0.0, 0.0, 0.0], [1.0, 0.0, 1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0, 0.0, 0.0]]>}> : () -> ()
// GENERIC-NEXT:     "la.weight"() <{sym_name = "pos_embed/embeddings", value = #la.weight_data<[2, 6] external "2ea9ab9198d16380" nnz 0>}> : () -> ()
// GENERIC-NEXT:     "la.weight"() <{sym_name = "q", value = #la.weight_data<[6, 2] dense {{\[}}[0.1, -3.0], [12.5, 1.0e-05], [1.0e+20, -0.0], [6.238416, 0.3], [3.4028235e+38, 1.0e-45], [0.0025, 16777216.0]]>}> : () -> ()
// GENERIC-NEXT:     "la.weight"() <{sym_name = "k", value = #la.weight_data<[6, 2] external "0123456789abcdef" nnz 12>}> : () -> ()
// GENERIC-NEXT:     "la.weight"() <{sym_name = "v", value = #la.weight_data<[6, 2] dense {{\[}}[1.0, 0.0], [0.0, 1.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]>}> : () -> ()
// GENERIC-NEXT:     "la.weight"() <{sym_name = "o", value = #la.weight_data<[2, 6] dense {{\[}}[0.0, 0.0, 0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 1.0, 0.0, 0.0]]>}> : () -> ()
// GENERIC-NEXT:     "la.weight"() <{sym_name = "fst", value = #la.weight_data<[6, 3] external "fedcba9876543210" nnz 4>}> : () -> ()
// GENERIC-NEXT:     "la.weight"() <{sym_name = "snd", value = #la.weight_data<[3, 6] dense {{\[}}[0.0, 0.0, 0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0, 0.0, -2.0]]>}> : () -> ()
// GENERIC-NEXT:     "la.weight"() <{sym_name = "unembed/w", value = #la.weight_data<[6, 4] dense {{\[}}[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]]>}> : () -> ()
// GENERIC-NEXT:     "la.embed"() <{tokens = #rasp.list<["a", "BOS", "PAD"]>, token_table = @"token_embed/embeddings", position_table = @"pos_embed/embeddings"}> : () -> ()
// GENERIC-NEXT:     "la.attention"() <{layer = #builtin.int<0>, heads = ["shift_by(2)", "h"], key_size = #builtin.int<1>, value_size = #builtin.int<1>, query = @q, key = @k, value = @v, output = @o}> : () -> ()
// GENERIC-NEXT:     "la.mlp"() <{layer = #builtin.int<0>, labels = ["m", "n"], widths = [#builtin.int<1>, #builtin.int<2>], fst = @fst, snd = @snd}> : () -> ()
// GENERIC-NEXT:     "la.attention"() <{layer = #builtin.int<1>, heads = [], key_size = #builtin.int<0>, value_size = #builtin.int<0>}> : () -> ()
// GENERIC-NEXT:     "la.mlp"() <{layer = #builtin.int<1>, labels = [], widths = []}> : () -> ()
// GENERIC-NEXT:     "la.unembed"() <{encoding = "categorical", values = #rasp.list<[-3, 1.5, true, none]>, table = @"unembed/w"}> : () -> ()
// GENERIC-NEXT:   }) : () -> ()
// GENERIC-NEXT: }) : () -> ()

// -----

// A model without layers, non-causal, with pad none, integer tokens, a
// discardable attribute and a numerical unembedding (no value list, one
// column).

la.model vocab {1, 2} max_seq_len 2 bos "BOS" pad none attributes {origin = "roundtrip"} {
  la.residual [tokens:"BOS", one, x]
  la.weight @tok [4, 3] dense [[0.0, 1.0, 1.0], [0.0, 1.0, 2.0], [1.0, 1.0, 0.0], [0.0, 1.0, 0.0]]
  la.weight @pos [3, 3] dense [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
  la.weight @"unembed/w" [3, 1] dense [[0.0], [0.0], [1.0]]
  la.embed tokens [1, 2, "BOS", none] @tok positions @pos
  la.unembed numerical @"unembed/w"
}

// CHECK: builtin.module {
// CHECK-NEXT:   la.model vocab {1, 2} max_seq_len 2 bos "BOS" pad none attributes {origin = "roundtrip"} {
// CHECK-NEXT:     la.residual [tokens:"BOS", one, x]
// CHECK-NEXT:     la.weight @tok [4, 3] dense {{\[}}[0.0, 1.0, 1.0], [0.0, 1.0, 2.0], [1.0, 1.0, 0.0], [0.0, 1.0, 0.0]]
// CHECK-NEXT:     la.weight @pos [3, 3] dense {{\[}}[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
// CHECK-NEXT:     la.weight @"unembed/w" [3, 1] dense {{\[}}[0.0], [0.0], [1.0]]
// CHECK-NEXT:     la.embed tokens [1, 2, "BOS", none] @tok positions @pos
// CHECK-NEXT:     la.unembed numerical @"unembed/w"
// CHECK-NEXT:   }
// CHECK-NEXT: }

// GENERIC: "builtin.module"() ({
// GENERIC-NEXT:   "la.model"() <{vocab = #rasp.values<{1, 2}>, max_seq_len = #builtin.int<2>, bos = #rasp.value<"BOS">, pad = #rasp.value<none>, causal = false}> ({
// GENERIC-NEXT:     "la.residual"() <{directions = #la.directions<[tokens:"BOS", one, x]>}> : () -> ()
// GENERIC-NEXT:     "la.weight"() <{sym_name = "tok", value = #la.weight_data<[4, 3] dense {{\[}}[0.0, 1.0, 1.0], [0.0, 1.0, 2.0], [1.0, 1.0, 0.0], [0.0, 1.0, 0.0]]>}> : () -> ()
// GENERIC-NEXT:     "la.weight"() <{sym_name = "pos", value = #la.weight_data<[3, 3] dense {{\[}}[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]>}> : () -> ()
// GENERIC-NEXT:     "la.weight"() <{sym_name = "unembed/w", value = #la.weight_data<[3, 1] dense {{\[}}[0.0], [0.0], [1.0]]>}> : () -> ()
// GENERIC-NEXT:     "la.embed"() <{tokens = #rasp.list<[1, 2, "BOS", none]>, token_table = @tok, position_table = @pos}> : () -> ()
// GENERIC-NEXT:     "la.unembed"() <{encoding = "numerical", values = #rasp.list<[]>, table = @"unembed/w"}> : () -> ()
// GENERIC-NEXT:   }) {origin = "roundtrip"} : () -> ()
// GENERIC-NEXT: }) : () -> ()

// -----

// Degenerate shapes: a head of key and value size 0 and an MLP block of width
// 0 take weights with no columns ([3, 0], printed as empty rows) or no rows
// ([0, 3], printed as []); one symbol may serve several roles.

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] dense [[0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [0.0, 0.0, 1.0]]
  la.weight @pos [2, 3] dense [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
  la.weight @none [3, 0] dense [[], [], []]
  la.weight @nothing [0, 3] dense []
  la.weight @out [3, 1] dense [[0.0], [1.0], [0.0]]
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.attention 0 heads ["z"] key_size 0 value_size 0 query @none key @none value @none output @nothing
  la.mlp 0 blocks {"w" = 0} fst @none snd @nothing
  la.unembed categorical ["a"] @out
}

// CHECK: builtin.module {
// CHECK-NEXT:   la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
// CHECK-NEXT:     la.residual [tokens:"BOS", tokens:"a", one]
// CHECK-NEXT:     la.weight @tok [3, 3] dense {{\[}}[0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [0.0, 0.0, 1.0]]
// CHECK-NEXT:     la.weight @pos [2, 3] dense {{\[}}[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
// CHECK-NEXT:     la.weight @none [3, 0] dense {{\[}}[], [], []]
// CHECK-NEXT:     la.weight @nothing [0, 3] dense []
// CHECK-NEXT:     la.weight @out [3, 1] dense {{\[}}[0.0], [1.0], [0.0]]
// CHECK-NEXT:     la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
// CHECK-NEXT:     la.attention 0 heads ["z"] key_size 0 value_size 0 query @none key @none value @none output @nothing
// CHECK-NEXT:     la.mlp 0 blocks {"w" = 0} fst @none snd @nothing
// CHECK-NEXT:     la.unembed categorical ["a"] @out
// CHECK-NEXT:   }
// CHECK-NEXT: }

// GENERIC: "builtin.module"() ({
// GENERIC: "la.weight"() <{sym_name = "none", value = #la.weight_data<[3, 0] dense {{\[}}[], [], []]>}> : () -> ()
// GENERIC-NEXT: "la.weight"() <{sym_name = "nothing", value = #la.weight_data<[0, 3] dense []>}> : () -> ()
// GENERIC: "la.mlp"() <{layer = #builtin.int<0>, labels = ["w"], widths = [#builtin.int<0>], fst = @none, snd = @nothing}> : () -> ()
