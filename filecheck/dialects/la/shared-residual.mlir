// RUN: raspir-opt %s --split-input-file --verify-diagnostics | filecheck %s --match-full-lines --check-prefixes=VALID,INVALID
// RUN: raspir-opt %s --split-input-file --verify-diagnostics | grep -c "| Operation does not verify: " | filecheck %s --check-prefix=COUNT

// The three invalid models below fail verification; the two valid ones do not.
// COUNT: 3

// The valid models (everything above the "== Invalid" line) read back to the
// same text, in the custom and the generic form, and printing is a fixed
// point byte for byte.
// RUN: sed '/^\/\/ == Invalid/q' %s | raspir-opt --split-input-file | raspir-opt --split-input-file | filecheck %s --match-full-lines --check-prefix=VALID
// RUN: sed '/^\/\/ == Invalid/q' %s | raspir-opt --split-input-file --print-op-generic | raspir-opt --split-input-file | filecheck %s --match-full-lines --check-prefix=VALID
// RUN: sed '/^\/\/ == Invalid/q' %s | raspir-opt --split-input-file --print-op-generic | filecheck %s --match-full-lines --check-prefix=GENERIC
// RUN: sed '/^\/\/ == Invalid/q' %s | raspir-opt --split-input-file -o %t.once.mlir
// RUN: raspir-opt %t.once.mlir --split-input-file -o %t.twice.mlir
// RUN: diff %t.once.mlir %t.twice.mlir

// A coordinate of the residual may hold several craft directions that take
// turns on it (craft.share), written `d1 | d2` in the order they use it.
//
// This is what convert-craft-to-la makes of a one-layer model after
// craft-compress-residual{objective=width}: the MLP "x" reads tokens:"a" and
// writes the numerical x = 3·[token = a]; tokens:"a" is read for the last time
// by that MLP, so its "erase" block writes -ReLU(tokens:"a") to the same
// coordinate and x takes it over. Coordinate 1 is `tokens:"a" | x`: the token
// embedding's row "a" writes 1 there, the first MLP layer reads it into both
// units (3.0 for "x", 1.0 for "erase"), the second writes +1 (x) and -1 (erase)
// back to it, and the unembedding reads x from it. tokens:"b" is never read but
// keeps a coordinate of its own.

la.model vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a" | x, tokens:"b", one]
  la.weight @"token_embed/embeddings" [4, 4] dense [[0.0, 1.0, 0.0, 1.0], [0.0, 0.0, 1.0, 1.0], [1.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 1.0]]
  la.weight @"pos_embed/embeddings" [3, 4] dense [[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
  la.weight @"transformer/layer_0/mlp/linear_1/w" [4, 2] dense [[0.0, 0.0], [3.0, 1.0], [0.0, 0.0], [0.0, 0.0]]
  la.weight @"transformer/layer_0/mlp/linear_2/w" [2, 4] dense [[0.0, 1.0, 0.0, 0.0], [0.0, -1.0, 0.0, 0.0]]
  la.weight @"unembed/w" [4, 1] dense [[0.0], [1.0], [0.0], [0.0]]
  la.embed tokens ["a", "b", "BOS", "PAD"] @"token_embed/embeddings" positions @"pos_embed/embeddings"
  la.attention 0 heads [] key_size 0 value_size 0
  la.mlp 0 blocks {"x" = 1, "erase" = 1} fst @"transformer/layer_0/mlp/linear_1/w" snd @"transformer/layer_0/mlp/linear_2/w"
  la.unembed numerical @"unembed/w"
}

// VALID: builtin.module {
// VALID-NEXT: la.model vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
// VALID-NEXT: la.residual [tokens:"BOS", tokens:"a" | x, tokens:"b", one]
// VALID-NEXT: la.weight @"token_embed/embeddings" [4, 4] dense {{\[\[}}0.0, 1.0, 0.0, 1.0], [0.0, 0.0, 1.0, 1.0], [1.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 1.0]]
// VALID-NEXT: la.weight @"pos_embed/embeddings" [3, 4] dense {{\[\[}}0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
// VALID-NEXT: la.weight @"transformer/layer_0/mlp/linear_1/w" [4, 2] dense {{\[\[}}0.0, 0.0], [3.0, 1.0], [0.0, 0.0], [0.0, 0.0]]
// VALID-NEXT: la.weight @"transformer/layer_0/mlp/linear_2/w" [2, 4] dense {{\[\[}}0.0, 1.0, 0.0, 0.0], [0.0, -1.0, 0.0, 0.0]]
// VALID-NEXT: la.weight @"unembed/w" [4, 1] dense {{\[\[}}0.0], [1.0], [0.0], [0.0]]
// VALID-NEXT: la.embed tokens ["a", "b", "BOS", "PAD"] @"token_embed/embeddings" positions @"pos_embed/embeddings"
// VALID-NEXT: la.attention 0 heads [] key_size 0 value_size 0
// VALID-NEXT: la.mlp 0 blocks {"x" = 1, "erase" = 1} fst @"transformer/layer_0/mlp/linear_1/w" snd @"transformer/layer_0/mlp/linear_2/w"
// VALID-NEXT: la.unembed numerical @"unembed/w"
// VALID-NEXT: }
// VALID-NEXT: }

// GENERIC: "la.residual"() <{directions = #la.directions<[tokens:"BOS", tokens:"a" | x, tokens:"b", one]>}> : () -> ()

// -----

// Any number of directions per coordinate, each printed as a craft direction
// (a quoted name, a categorical value of any type); the spaces around `|` are
// optional when parsing and always printed. Directions are type-exact:
// m:1 and m:1.0 are two directions and may share a coordinate. Weights are
// external here: only their shapes matter to the verifier.

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a"|"odd name":-3|m:1.5, one, m:1 | m:1.0]
  la.weight @tok [3, 4] external "0000000000000000" nnz 0
  la.weight @pos [2, 4] external "0000000000000000" nnz 0
  la.weight @out [4, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.unembed categorical ["a"] @out
}

// VALID: builtin.module {
// VALID-NEXT: la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
// VALID-NEXT: la.residual [tokens:"BOS", tokens:"a" | "odd name":-3 | m:1.5, one, m:1 | m:1.0]
// VALID-NEXT: la.weight @tok [3, 4] external "0000000000000000" nnz 0
// VALID-NEXT: la.weight @pos [2, 4] external "0000000000000000" nnz 0
// VALID-NEXT: la.weight @out [4, 1] external "0000000000000000" nnz 0
// VALID-NEXT: la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
// VALID-NEXT: la.unembed categorical ["a"] @out
// VALID-NEXT: }
// VALID-NEXT: }

// GENERIC: "la.residual"() <{directions = #la.directions<[tokens:"BOS", tokens:"a" | "odd name":-3 | m:1.5, one, m:1 | m:1.0]>}> : () -> ()

// == Invalid: the verifier rejects these, each pointing at la.residual ==

// -----

// A direction holds one coordinate: x both shares coordinate 1 with
// tokens:"a" and has coordinate 2 of its own.

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a" | x, x, one]
  la.weight @tok [3, 4] external "0000000000000000" nnz 0
  la.weight @pos [2, 4] external "0000000000000000" nnz 0
  la.weight @out [4, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.unembed numerical @out
}
// INVALID: la.residual lists x twice

// -----

// In two shared coordinates.

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a" | x, one | x]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.unembed numerical @out
}
// INVALID: la.residual lists x twice

// -----

// Twice in one coordinate.

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a" | x | tokens:"a", one]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.unembed numerical @out
}
// INVALID: la.residual lists tokens:"a" twice
