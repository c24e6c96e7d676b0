// RUN: raspir-opt %s --split-input-file --verify-diagnostics -p 'convert-craft-to-la{inline_limit=100000}' | filecheck %s --match-full-lines
// RUN: raspir-opt %s --split-input-file --verify-diagnostics -p convert-craft-to-la | filecheck %s --match-full-lines --check-prefix=DEFAULT
// RUN: raspir-opt %s --split-input-file --verify-diagnostics -p convert-craft-to-la | raspir-opt --split-input-file | filecheck %s --match-full-lines --check-prefix=DEFAULT
// RUN: raspir-opt %s --split-input-file --verify-diagnostics -p 'convert-craft-to-la{inline_limit=100000 uniform=true}' | filecheck %s --match-full-lines --check-prefix=UNIFORM
// RUN: raspir-opt %s --split-input-file --verify-diagnostics -p 'convert-craft-to-la{inline_limit=5}' | filecheck %s --match-full-lines --check-prefix=LIMIT5
// RUN: raspir-opt %s --split-input-file --verify-diagnostics -p convert-craft-to-la | filecheck %s --check-prefix=NOCRAFT
// RUN: not raspir-opt %s --split-input-file -p 'convert-craft-to-la{inline_limit=-1}' 2>&1 | filecheck %s --check-prefix=NEGATIVE

// After the pass no craft op is left, only la.
// NOCRAFT-NOT: {{craft\.[a-z]+}}
// NOCRAFT: la.model
// NOCRAFT-NOT: {{craft\.[a-z]+}}

// NEGATIVE: raspir-opt: error: convert-craft-to-la: inline_limit must be >= 0, got -1

// Three layers: two heads (layer 0, no MLP), two MLPs (layer 1, no heads), one
// head (layer 2, no MLP), and a categorical output computed in layer 1.
//
// The residual lists every direction once, grouped by name: the token
// directions with BOS first, then `one`, then the indices, then the s-ops in
// the order the layers write them (prev, n.inverse_width, k, z), the output
// (m) last although layer 1 computes it; within a name, values in canonical
// order (prev:"a" before prev:"b" although the head writes "b" first; m:1,
// read only by the unembedding, before m:2).
//
// Heads: W_QK is split as query·keyᵀ with key size min(|Q|, |K|). For "prev"
// (Q = {indices:1, one}, K = {indices:0, tokens:"BOS"}, equal sizes) and "z"
// (Q = {one}, K = {tokens:"BOS"}) the key weight selects the key directions
// (a 1.0 each) and the query weight carries the matrix; for "n" (Q = {one}
// smaller than K = {tokens:"a", tokens:"BOS"}) the query weight selects `one`
// and the key weight carries the matrix (2.0 from BOS, 4.0 from "a"). W_OV
// splits the same way into value and output. Layer 0's heads are padded to the
// layer's key and value size, 2: head "n" (key and value size 1) takes column 2
// of query, key and value and row 2 of output; column (row) 3 stays zero.
// Layer 1's MLPs sit side by side, m's unit
// first (column 0), then k's two (columns 1, 2). Sub-layers without heads or
// units are empty: no weights. Names follow Tracr's parameter names.

craft.model vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "b": {one = 1.0, tokens:"b" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
  craft.embed positions {0: {}, 1: {indices:0 = 1.0}, 2: {indices:1 = 1.0}}
  craft.layer 0 {
    craft.head "prev" qk {(indices:1, indices:0): 10.0, (one, tokens:"BOS"): 5.0} ov {(tokens:"b", prev:"b"): 1.0, (tokens:"a", prev:"a"): 1.0}
    craft.head "n" qk {(one, tokens:"a"): 4.0, (one, tokens:"BOS"): 2.0} ov {(tokens:"BOS", n.inverse_width): 1.0}
  }
  craft.layer 1 {
    craft.mlp "m" hidden 1 fst {(prev:"a", 0): 2.0, (one, 0): -1.0} snd {(0, m:2): 1.0}
    craft.mlp "k" hidden 2 fst {(n.inverse_width, 0): 3.0, (n.inverse_width, 1): -3.0} snd {(0, k): 0.5, (1, k): -0.5}
  }
  craft.layer 2 {
    craft.head "z" qk {(one, tokens:"BOS"): 1.0} ov {(k, z): -1.0}
  }
  craft.unembed categorical {1: {m:1 = 1.0}, 2: {m:2 = 1.0}}
}

// CHECK: builtin.module {
// CHECK-NEXT: la.model vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
// CHECK-NEXT: la.residual [tokens:"BOS", tokens:"a", tokens:"b", one, indices:0, indices:1, prev:"a", prev:"b", n.inverse_width, k, z, m:1, m:2]
// CHECK-NEXT: la.weight @"token_embed/embeddings" [4, 13] dense {{\[}}[0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]
// CHECK-NEXT: la.weight @"pos_embed/embeddings" [3, 13] dense {{\[}}[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]
// CHECK-NEXT: la.weight @"transformer/layer_0/attn/query/w" [13, 4] dense {{\[}}[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [5.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 10.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
// CHECK-NEXT: la.weight @"transformer/layer_0/attn/key/w" [13, 4] dense {{\[}}[1.0, 0.0, 2.0, 0.0], [0.0, 0.0, 4.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
// CHECK-NEXT: la.weight @"transformer/layer_0/attn/value/w" [13, 4] dense {{\[}}[0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
// CHECK-NEXT: la.weight @"transformer/layer_0/attn/linear/w" [4, 13] dense {{\[}}[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]
// CHECK-NEXT: la.weight @"transformer/layer_1/mlp/linear_1/w" [13, 3] dense {{\[}}[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 3.0, -3.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
// CHECK-NEXT: la.weight @"transformer/layer_1/mlp/linear_2/w" [3, 13] dense {{\[}}[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.5, 0.0, 0.0, 0.0]]
// CHECK-NEXT: la.weight @"transformer/layer_2/attn/query/w" [13, 1] dense {{\[}}[0.0], [0.0], [0.0], [1.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0]]
// CHECK-NEXT: la.weight @"transformer/layer_2/attn/key/w" [13, 1] dense {{\[}}[1.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0]]
// CHECK-NEXT: la.weight @"transformer/layer_2/attn/value/w" [13, 1] dense {{\[}}[0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [-1.0], [0.0], [0.0], [0.0]]
// CHECK-NEXT: la.weight @"transformer/layer_2/attn/linear/w" [1, 13] dense {{\[}}[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0]]
// CHECK-NEXT: la.weight @"unembed/w" [13, 2] dense {{\[}}[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
// CHECK-NEXT: la.embed tokens ["a", "b", "BOS", "PAD"] @"token_embed/embeddings" positions @"pos_embed/embeddings"
// CHECK-NEXT: la.attention 0 heads ["prev", "n"] key_size 2 value_size 2 query @"transformer/layer_0/attn/query/w" key @"transformer/layer_0/attn/key/w" value @"transformer/layer_0/attn/value/w" output @"transformer/layer_0/attn/linear/w"
// CHECK-NEXT: la.mlp 0 blocks {}
// CHECK-NEXT: la.attention 1 heads [] key_size 0 value_size 0
// CHECK-NEXT: la.mlp 1 blocks {"m" = 1, "k" = 2} fst @"transformer/layer_1/mlp/linear_1/w" snd @"transformer/layer_1/mlp/linear_2/w"
// CHECK-NEXT: la.attention 2 heads ["z"] key_size 1 value_size 1 query @"transformer/layer_2/attn/query/w" key @"transformer/layer_2/attn/key/w" value @"transformer/layer_2/attn/value/w" output @"transformer/layer_2/attn/linear/w"
// CHECK-NEXT: la.mlp 2 blocks {}
// CHECK-NEXT: la.unembed categorical [1, 2] @"unembed/w"
// CHECK-NEXT: }
// CHECK-NEXT: }

// By default (inline_limit 16) a weight of more than 16 entries prints its
// shape, digest and non-zero count; [13, 1] and [1, 13] stay inline. The
// output reads back (RUN 3) to the same text.

// DEFAULT: builtin.module {
// DEFAULT-NEXT: la.model vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
// DEFAULT-NEXT: la.residual [tokens:"BOS", tokens:"a", tokens:"b", one, indices:0, indices:1, prev:"a", prev:"b", n.inverse_width, k, z, m:1, m:2]
// DEFAULT-NEXT: la.weight @"token_embed/embeddings" [4, 13] external "{{([0-9a-f]{16})}}" nnz 7
// DEFAULT-NEXT: la.weight @"pos_embed/embeddings" [3, 13] external "{{([0-9a-f]{16})}}" nnz 2
// DEFAULT-NEXT: la.weight @"transformer/layer_0/attn/query/w" [13, 4] external "{{([0-9a-f]{16})}}" nnz 3
// DEFAULT-NEXT: la.weight @"transformer/layer_0/attn/key/w" [13, 4] external "{{([0-9a-f]{16})}}" nnz 4
// DEFAULT-NEXT: la.weight @"transformer/layer_0/attn/value/w" [13, 4] external "{{([0-9a-f]{16})}}" nnz 3
// DEFAULT-NEXT: la.weight @"transformer/layer_0/attn/linear/w" [4, 13] external "{{([0-9a-f]{16})}}" nnz 3
// DEFAULT-NEXT: la.weight @"transformer/layer_1/mlp/linear_1/w" [13, 3] external "{{([0-9a-f]{16})}}" nnz 4
// DEFAULT-NEXT: la.weight @"transformer/layer_1/mlp/linear_2/w" [3, 13] external "{{([0-9a-f]{16})}}" nnz 3
// DEFAULT-NEXT: la.weight @"transformer/layer_2/attn/query/w" [13, 1] dense {{\[}}[0.0], [0.0], [0.0], [1.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0]]
// DEFAULT-NEXT: la.weight @"transformer/layer_2/attn/key/w" [13, 1] dense {{\[}}[1.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0]]
// DEFAULT-NEXT: la.weight @"transformer/layer_2/attn/value/w" [13, 1] dense {{\[}}[0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [-1.0], [0.0], [0.0], [0.0]]
// DEFAULT-NEXT: la.weight @"transformer/layer_2/attn/linear/w" [1, 13] dense {{\[}}[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0]]
// DEFAULT-NEXT: la.weight @"unembed/w" [13, 2] external "{{([0-9a-f]{16})}}" nnz 2
// DEFAULT-NEXT: la.embed tokens ["a", "b", "BOS", "PAD"] @"token_embed/embeddings" positions @"pos_embed/embeddings"
// DEFAULT-NEXT: la.attention 0 heads ["prev", "n"] key_size 2 value_size 2 query @"transformer/layer_0/attn/query/w" key @"transformer/layer_0/attn/key/w" value @"transformer/layer_0/attn/value/w" output @"transformer/layer_0/attn/linear/w"
// DEFAULT-NEXT: la.mlp 0 blocks {}
// DEFAULT-NEXT: la.attention 1 heads [] key_size 0 value_size 0
// DEFAULT-NEXT: la.mlp 1 blocks {"m" = 1, "k" = 2} fst @"transformer/layer_1/mlp/linear_1/w" snd @"transformer/layer_1/mlp/linear_2/w"
// DEFAULT-NEXT: la.attention 2 heads ["z"] key_size 1 value_size 1 query @"transformer/layer_2/attn/query/w" key @"transformer/layer_2/attn/key/w" value @"transformer/layer_2/attn/value/w" output @"transformer/layer_2/attn/linear/w"
// DEFAULT-NEXT: la.mlp 2 blocks {}
// DEFAULT-NEXT: la.unembed categorical [1, 2] @"unembed/w"
// DEFAULT-NEXT: }
// DEFAULT-NEXT: }

// uniform=true pads every layer to the model's most heads (2), largest key and
// value size (2) and widest MLP (3 units): layer 0 gets an MLP block "" of 3
// units with zero weights, layer 1 two heads "" with zero weights, layer 2
// its head "z" and one padding head "", and an MLP block "" of 3 zero units.

// UNIFORM: builtin.module {
// UNIFORM-NEXT: la.model vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
// UNIFORM-NEXT: la.residual [tokens:"BOS", tokens:"a", tokens:"b", one, indices:0, indices:1, prev:"a", prev:"b", n.inverse_width, k, z, m:1, m:2]
// UNIFORM-NEXT: la.weight @"token_embed/embeddings" [4, 13] dense {{\[}}[0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]
// UNIFORM-NEXT: la.weight @"pos_embed/embeddings" [3, 13] dense {{\[}}[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]
// UNIFORM-NEXT: la.weight @"transformer/layer_0/attn/query/w" [13, 4] dense {{\[}}[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [5.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 10.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
// UNIFORM-NEXT: la.weight @"transformer/layer_0/attn/key/w" [13, 4] dense {{\[}}[1.0, 0.0, 2.0, 0.0], [0.0, 0.0, 4.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
// UNIFORM-NEXT: la.weight @"transformer/layer_0/attn/value/w" [13, 4] dense {{\[}}[0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
// UNIFORM-NEXT: la.weight @"transformer/layer_0/attn/linear/w" [4, 13] dense {{\[}}[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]
// UNIFORM-NEXT: la.weight @"transformer/layer_0/mlp/linear_1/w" [13, 3] dense {{\[}}[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
// UNIFORM-NEXT: la.weight @"transformer/layer_0/mlp/linear_2/w" [3, 13] dense {{\[}}[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]
// UNIFORM-NEXT: la.weight @"transformer/layer_1/attn/query/w" [13, 4] dense {{\[}}[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
// UNIFORM-NEXT: la.weight @"transformer/layer_1/attn/key/w" [13, 4] dense {{\[}}[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
// UNIFORM-NEXT: la.weight @"transformer/layer_1/attn/value/w" [13, 4] dense {{\[}}[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
// UNIFORM-NEXT: la.weight @"transformer/layer_1/attn/linear/w" [4, 13] dense {{\[}}[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]
// UNIFORM-NEXT: la.weight @"transformer/layer_1/mlp/linear_1/w" [13, 3] dense {{\[}}[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 3.0, -3.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
// UNIFORM-NEXT: la.weight @"transformer/layer_1/mlp/linear_2/w" [3, 13] dense {{\[}}[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.5, 0.0, 0.0, 0.0]]
// UNIFORM-NEXT: la.weight @"transformer/layer_2/attn/query/w" [13, 4] dense {{\[}}[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
// UNIFORM-NEXT: la.weight @"transformer/layer_2/attn/key/w" [13, 4] dense {{\[}}[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
// UNIFORM-NEXT: la.weight @"transformer/layer_2/attn/value/w" [13, 4] dense {{\[}}[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [-1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
// UNIFORM-NEXT: la.weight @"transformer/layer_2/attn/linear/w" [4, 13] dense {{\[}}[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]
// UNIFORM-NEXT: la.weight @"transformer/layer_2/mlp/linear_1/w" [13, 3] dense {{\[}}[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
// UNIFORM-NEXT: la.weight @"transformer/layer_2/mlp/linear_2/w" [3, 13] dense {{\[}}[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]
// UNIFORM-NEXT: la.weight @"unembed/w" [13, 2] dense {{\[}}[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
// UNIFORM-NEXT: la.embed tokens ["a", "b", "BOS", "PAD"] @"token_embed/embeddings" positions @"pos_embed/embeddings"
// UNIFORM-NEXT: la.attention 0 heads ["prev", "n"] key_size 2 value_size 2 query @"transformer/layer_0/attn/query/w" key @"transformer/layer_0/attn/key/w" value @"transformer/layer_0/attn/value/w" output @"transformer/layer_0/attn/linear/w"
// UNIFORM-NEXT: la.mlp 0 blocks {"" = 3} fst @"transformer/layer_0/mlp/linear_1/w" snd @"transformer/layer_0/mlp/linear_2/w"
// UNIFORM-NEXT: la.attention 1 heads ["", ""] key_size 2 value_size 2 query @"transformer/layer_1/attn/query/w" key @"transformer/layer_1/attn/key/w" value @"transformer/layer_1/attn/value/w" output @"transformer/layer_1/attn/linear/w"
// UNIFORM-NEXT: la.mlp 1 blocks {"m" = 1, "k" = 2} fst @"transformer/layer_1/mlp/linear_1/w" snd @"transformer/layer_1/mlp/linear_2/w"
// UNIFORM-NEXT: la.attention 2 heads ["z", ""] key_size 2 value_size 2 query @"transformer/layer_2/attn/query/w" key @"transformer/layer_2/attn/key/w" value @"transformer/layer_2/attn/value/w" output @"transformer/layer_2/attn/linear/w"
// UNIFORM-NEXT: la.mlp 2 blocks {"" = 3} fst @"transformer/layer_2/mlp/linear_1/w" snd @"transformer/layer_2/mlp/linear_2/w"
// UNIFORM-NEXT: la.unembed categorical [1, 2] @"unembed/w"
// UNIFORM-NEXT: }
// UNIFORM-NEXT: }

// -----

// A causal model (`causal` is kept) with a numerical output, numerical token
// embeddings (x, 1.0 or 2.0) and a head whose query space {x, one} is larger
// than its key space {tokens:"BOS"}: key size 1, the query weight carries the
// matrix. The value weight carries W_OV (1.0 from BOS, 0.25 from x) and the
// output weight selects w. The numerical unembedding is one column, y's.

craft.model vocab {1, 2} max_seq_len 1 bos "BOS" pad "PAD" causal {
  craft.embed tokens {1: {one = 1.0, x = 1.0}, 2: {one = 1.0, x = 2.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
  craft.embed positions {0: {}, 1: {}}
  craft.layer 0 {
    craft.head "w" qk {(x, tokens:"BOS"): 1.5, (one, tokens:"BOS"): 0.5} ov {(tokens:"BOS", w): 1.0, (x, w): 0.25}
    craft.mlp "y" hidden 2 fst {(w, 0): 1.0, (w, 1): -1.0} snd {(0, y): 2.0, (1, y): -2.0}
  }
  craft.unembed numerical {none: {y = 1.0}}
}

// CHECK: builtin.module {
// CHECK-NEXT: la.model vocab {1, 2} max_seq_len 1 bos "BOS" pad "PAD" causal {
// CHECK-NEXT: la.residual [tokens:"BOS", one, x, w, y]
// CHECK-NEXT: la.weight @"token_embed/embeddings" [4, 5] dense {{\[}}[0.0, 1.0, 1.0, 0.0, 0.0], [0.0, 1.0, 2.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0, 0.0]]
// CHECK-NEXT: la.weight @"pos_embed/embeddings" [2, 5] dense {{\[}}[0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0]]
// CHECK-NEXT: la.weight @"transformer/layer_0/attn/query/w" [5, 1] dense {{\[}}[0.0], [0.5], [1.5], [0.0], [0.0]]
// CHECK-NEXT: la.weight @"transformer/layer_0/attn/key/w" [5, 1] dense {{\[}}[1.0], [0.0], [0.0], [0.0], [0.0]]
// CHECK-NEXT: la.weight @"transformer/layer_0/attn/value/w" [5, 1] dense {{\[}}[1.0], [0.0], [0.25], [0.0], [0.0]]
// CHECK-NEXT: la.weight @"transformer/layer_0/attn/linear/w" [1, 5] dense {{\[}}[0.0, 0.0, 0.0, 1.0, 0.0]]
// CHECK-NEXT: la.weight @"transformer/layer_0/mlp/linear_1/w" [5, 2] dense {{\[}}[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [1.0, -1.0], [0.0, 0.0]]
// CHECK-NEXT: la.weight @"transformer/layer_0/mlp/linear_2/w" [2, 5] dense {{\[}}[0.0, 0.0, 0.0, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0, -2.0]]
// CHECK-NEXT: la.weight @"unembed/w" [5, 1] dense {{\[}}[0.0], [0.0], [0.0], [0.0], [1.0]]
// CHECK-NEXT: la.embed tokens [1, 2, "BOS", "PAD"] @"token_embed/embeddings" positions @"pos_embed/embeddings"
// CHECK-NEXT: la.attention 0 heads ["w"] key_size 1 value_size 1 query @"transformer/layer_0/attn/query/w" key @"transformer/layer_0/attn/key/w" value @"transformer/layer_0/attn/value/w" output @"transformer/layer_0/attn/linear/w"
// CHECK-NEXT: la.mlp 0 blocks {"y" = 2} fst @"transformer/layer_0/mlp/linear_1/w" snd @"transformer/layer_0/mlp/linear_2/w"
// CHECK-NEXT: la.unembed numerical @"unembed/w"
// CHECK-NEXT: }
// CHECK-NEXT: }

// Only the token embedding has more than 16 entries (20); the position
// embedding (10) and all the rest are inline. With inline_limit=5 only the
// weights of at most 5 entries ([5, 1] and [1, 5]) are.

// DEFAULT: builtin.module {
// DEFAULT-NEXT: la.model vocab {1, 2} max_seq_len 1 bos "BOS" pad "PAD" causal {
// DEFAULT-NEXT: la.residual [tokens:"BOS", one, x, w, y]
// DEFAULT-NEXT: la.weight @"token_embed/embeddings" [4, 5] external "{{([0-9a-f]{16})}}" nnz 7
// DEFAULT-NEXT: la.weight @"pos_embed/embeddings" [2, 5] dense {{\[}}[0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0]]
// DEFAULT-NEXT: la.weight @"transformer/layer_0/attn/query/w" [5, 1] dense {{\[}}[0.0], [0.5], [1.5], [0.0], [0.0]]
// DEFAULT-NEXT: la.weight @"transformer/layer_0/attn/key/w" [5, 1] dense {{\[}}[1.0], [0.0], [0.0], [0.0], [0.0]]
// DEFAULT-NEXT: la.weight @"transformer/layer_0/attn/value/w" [5, 1] dense {{\[}}[1.0], [0.0], [0.25], [0.0], [0.0]]
// DEFAULT-NEXT: la.weight @"transformer/layer_0/attn/linear/w" [1, 5] dense {{\[}}[0.0, 0.0, 0.0, 1.0, 0.0]]
// DEFAULT-NEXT: la.weight @"transformer/layer_0/mlp/linear_1/w" [5, 2] dense {{\[}}[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [1.0, -1.0], [0.0, 0.0]]
// DEFAULT-NEXT: la.weight @"transformer/layer_0/mlp/linear_2/w" [2, 5] dense {{\[}}[0.0, 0.0, 0.0, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0, -2.0]]
// DEFAULT-NEXT: la.weight @"unembed/w" [5, 1] dense {{\[}}[0.0], [0.0], [0.0], [0.0], [1.0]]
// DEFAULT-NEXT: la.embed tokens [1, 2, "BOS", "PAD"] @"token_embed/embeddings" positions @"pos_embed/embeddings"
// DEFAULT-NEXT: la.attention 0 heads ["w"] key_size 1 value_size 1 query @"transformer/layer_0/attn/query/w" key @"transformer/layer_0/attn/key/w" value @"transformer/layer_0/attn/value/w" output @"transformer/layer_0/attn/linear/w"
// DEFAULT-NEXT: la.mlp 0 blocks {"y" = 2} fst @"transformer/layer_0/mlp/linear_1/w" snd @"transformer/layer_0/mlp/linear_2/w"
// DEFAULT-NEXT: la.unembed numerical @"unembed/w"
// DEFAULT-NEXT: }
// DEFAULT-NEXT: }

// LIMIT5: la.weight @"token_embed/embeddings" [4, 5] external "2dbbaafddf06f209" nnz 7
// LIMIT5-NEXT: la.weight @"pos_embed/embeddings" [2, 5] external "2c34ce1df23b838c" nnz 0
// LIMIT5-NEXT: la.weight @"transformer/layer_0/attn/query/w" [5, 1] dense {{\[}}[0.0], [0.5], [1.5], [0.0], [0.0]]
// LIMIT5-NEXT: la.weight @"transformer/layer_0/attn/key/w" [5, 1] dense {{\[}}[1.0], [0.0], [0.0], [0.0], [0.0]]
// LIMIT5-NEXT: la.weight @"transformer/layer_0/attn/value/w" [5, 1] dense {{\[}}[1.0], [0.0], [0.25], [0.0], [0.0]]
// LIMIT5-NEXT: la.weight @"transformer/layer_0/attn/linear/w" [1, 5] dense {{\[}}[0.0, 0.0, 0.0, 1.0, 0.0]]
// LIMIT5-NEXT: la.weight @"transformer/layer_0/mlp/linear_1/w" [5, 2] external "{{([0-9a-f]{16})}}" nnz 2
// LIMIT5-NEXT: la.weight @"transformer/layer_0/mlp/linear_2/w" [2, 5] external "{{([0-9a-f]{16})}}" nnz 2
// LIMIT5-NEXT: la.weight @"unembed/w" [5, 1] dense {{\[}}[0.0], [0.0], [0.0], [0.0], [1.0]]

// With one layer, uniform changes nothing.

// UNIFORM: builtin.module {
// UNIFORM-NEXT: la.model vocab {1, 2} max_seq_len 1 bos "BOS" pad "PAD" causal {
// UNIFORM-NEXT: la.residual [tokens:"BOS", one, x, w, y]
// UNIFORM-NEXT: la.weight @"token_embed/embeddings" [4, 5] dense {{\[}}[0.0, 1.0, 1.0, 0.0, 0.0], [0.0, 1.0, 2.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0, 0.0]]
// UNIFORM-NEXT: la.weight @"pos_embed/embeddings" [2, 5] dense {{\[}}[0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0]]
// UNIFORM-NEXT: la.weight @"transformer/layer_0/attn/query/w" [5, 1] dense {{\[}}[0.0], [0.5], [1.5], [0.0], [0.0]]
// UNIFORM-NEXT: la.weight @"transformer/layer_0/attn/key/w" [5, 1] dense {{\[}}[1.0], [0.0], [0.0], [0.0], [0.0]]
// UNIFORM-NEXT: la.weight @"transformer/layer_0/attn/value/w" [5, 1] dense {{\[}}[1.0], [0.0], [0.25], [0.0], [0.0]]
// UNIFORM-NEXT: la.weight @"transformer/layer_0/attn/linear/w" [1, 5] dense {{\[}}[0.0, 0.0, 0.0, 1.0, 0.0]]
// UNIFORM-NEXT: la.weight @"transformer/layer_0/mlp/linear_1/w" [5, 2] dense {{\[}}[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [1.0, -1.0], [0.0, 0.0]]
// UNIFORM-NEXT: la.weight @"transformer/layer_0/mlp/linear_2/w" [2, 5] dense {{\[}}[0.0, 0.0, 0.0, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0, -2.0]]
// UNIFORM-NEXT: la.weight @"unembed/w" [5, 1] dense {{\[}}[0.0], [0.0], [0.0], [0.0], [1.0]]
// UNIFORM-NEXT: la.embed tokens [1, 2, "BOS", "PAD"] @"token_embed/embeddings" positions @"pos_embed/embeddings"
// UNIFORM-NEXT: la.attention 0 heads ["w"] key_size 1 value_size 1 query @"transformer/layer_0/attn/query/w" key @"transformer/layer_0/attn/key/w" value @"transformer/layer_0/attn/value/w" output @"transformer/layer_0/attn/linear/w"
// UNIFORM-NEXT: la.mlp 0 blocks {"y" = 2} fst @"transformer/layer_0/mlp/linear_1/w" snd @"transformer/layer_0/mlp/linear_2/w"
// UNIFORM-NEXT: la.unembed numerical @"unembed/w"
// UNIFORM-NEXT: }
// UNIFORM-NEXT: }

// -----

// A model without layers, pad none: the embeddings and the unembedding only.

craft.model vocab {"a"} max_seq_len 2 bos "BOS" pad none {
  craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, none: {one = 1.0}}
  craft.embed positions {0: {}, 1: {indices:0 = 1.0}, 2: {indices:1 = 1.0}}
  craft.unembed categorical {0: {indices:0 = 1.0}, 1: {indices:1 = 1.0}}
}

// CHECK: builtin.module {
// CHECK-NEXT: la.model vocab {"a"} max_seq_len 2 bos "BOS" pad none {
// CHECK-NEXT: la.residual [tokens:"BOS", tokens:"a", one, indices:0, indices:1]
// CHECK-NEXT: la.weight @"token_embed/embeddings" [3, 5] dense {{\[}}[0.0, 1.0, 1.0, 0.0, 0.0], [1.0, 0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0, 0.0]]
// CHECK-NEXT: la.weight @"pos_embed/embeddings" [3, 5] dense {{\[}}[0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0, 1.0]]
// CHECK-NEXT: la.weight @"unembed/w" [5, 2] dense {{\[}}[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
// CHECK-NEXT: la.embed tokens ["a", "BOS", none] @"token_embed/embeddings" positions @"pos_embed/embeddings"
// CHECK-NEXT: la.unembed categorical [0, 1] @"unembed/w"
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// When the output is the tokens themselves, the inputs still lead: the tokens
// group keeps its place first (BOS first) instead of moving last as the output.

craft.model vocab {"a"} max_seq_len 2 bos "BOS" pad none {
  craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, none: {one = 1.0}}
  craft.embed positions {0: {}, 1: {indices:0 = 1.0}, 2: {indices:1 = 1.0}}
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}

// CHECK: builtin.module {
// CHECK-NEXT: la.model vocab {"a"} max_seq_len 2 bos "BOS" pad none {
// CHECK-NEXT: la.residual [tokens:"BOS", tokens:"a", one, indices:0, indices:1]
// CHECK-NEXT: la.weight @"token_embed/embeddings" [3, 5] dense {{\[}}[0.0, 1.0, 1.0, 0.0, 0.0], [1.0, 0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0, 0.0]]
// CHECK-NEXT: la.weight @"pos_embed/embeddings" [3, 5] dense {{\[}}[0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0, 1.0]]
// CHECK-NEXT: la.weight @"unembed/w" [5, 1] dense {{\[}}[0.0], [1.0], [0.0], [0.0], [0.0]]
// CHECK-NEXT: la.embed tokens ["a", "BOS", none] @"token_embed/embeddings" positions @"pos_embed/embeddings"
// CHECK-NEXT: la.unembed categorical ["a"] @"unembed/w"
// CHECK-NEXT: }
// CHECK-NEXT: }
