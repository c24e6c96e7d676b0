// The installed package's entry point makes the pass known to raspir-opt.
// RUN: raspir-opt %s -p la-block-diagonalize | filecheck %s --match-full-lines
// A permutation is its own golden test's converse: running it twice changes
// nothing more.
// RUN: raspir-opt %s -p la-block-diagonalize,la-block-diagonalize | filecheck %s --match-full-lines

// shift_by(2) over {a, b} at max_seq_len 3 (raspir's -O2, weights inline).
// One head reads `one` and indices:2 in its query (columns 0 and 1), the
// BOS token and indices:0 in its key (the same columns, after the query's),
// the tokens in its value, and writes shift_by(2). In first-read order the
// reads run down the diagonal: query rows 0-1, key rows 2-3, value rows 4-5;
// the output, read by the unembedding only, comes last. Every weight moves
// with its coordinates: the token embedding's `one` column is now column 0.

// CHECK:      la.residual [one, indices:2, tokens:"compiler_bos", indices:0, tokens:"a", tokens:"b", "shift_by(2)":"a", "shift_by(2)":"b"]
// CHECK-NEXT: la.weight @"token_embed/embeddings" [4, 8] dense {{\[}}[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0], [1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]
// CHECK-NEXT: la.weight @"pos_embed/embeddings" [4, 8] dense {{\[}}[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]
// CHECK-NEXT: la.weight @"transformer/layer_0/attn/query/w" [8, 2] dense {{\[}}[3.6888814, 0.0], [0.0, 7.377763], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]
// CHECK-NEXT: la.weight @"transformer/layer_0/attn/key/w" [8, 2] dense {{\[}}[0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]
// CHECK-NEXT: la.weight @"transformer/layer_0/attn/value/w" [8, 2] dense {{\[}}[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0], [0.0, 0.0]]
// CHECK-NEXT: la.weight @"transformer/layer_0/attn/linear/w" [2, 8] dense {{\[}}[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]]
// CHECK-NEXT: la.weight @"unembed/w" [8, 2] dense {{\[}}[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
// CHECK-NEXT: la.embed tokens ["a", "b", "compiler_bos", "compiler_pad"] @"token_embed/embeddings" positions @"pos_embed/embeddings"

builtin.module {
  la.model vocab {"a", "b"} max_seq_len 3 bos "compiler_bos" pad "compiler_pad" {
    la.residual [tokens:"compiler_bos", tokens:"a", tokens:"b", one, indices:0, indices:2, "shift_by(2)":"a", "shift_by(2)":"b"]
    la.weight @"token_embed/embeddings" [4, 8] dense [[0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]]
    la.weight @"pos_embed/embeddings" [4, 8] dense [[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0]]
    la.weight @"transformer/layer_0/attn/query/w" [8, 2] dense [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [3.6888814, 0.0], [0.0, 0.0], [0.0, 7.377763], [0.0, 0.0], [0.0, 0.0]]
    la.weight @"transformer/layer_0/attn/key/w" [8, 2] dense [[1.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 1.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]
    la.weight @"transformer/layer_0/attn/value/w" [8, 2] dense [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]
    la.weight @"transformer/layer_0/attn/linear/w" [2, 8] dense [[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]]
    la.weight @"unembed/w" [8, 2] dense [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
    la.embed tokens ["a", "b", "compiler_bos", "compiler_pad"] @"token_embed/embeddings" positions @"pos_embed/embeddings"
    la.attention 0 heads ["shift_by(2)"] key_size 2 value_size 2 query @"transformer/layer_0/attn/query/w" key @"transformer/layer_0/attn/key/w" value @"transformer/layer_0/attn/value/w" output @"transformer/layer_0/attn/linear/w"
    la.mlp 0 blocks {}
    la.unembed categorical ["a", "b"] @"unembed/w"
  }
}
