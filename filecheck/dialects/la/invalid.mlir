// RUN: raspir-opt %s --split-input-file --verify-diagnostics --parsing-diagnostics | filecheck %s --match-full-lines
// RUN: raspir-opt %s --split-input-file --verify-diagnostics --parsing-diagnostics | filecheck %s --check-prefix=ALLFAIL
// RUN: raspir-opt %s --split-input-file --verify-diagnostics --parsing-diagnostics | grep -c "| Operation does not verify: " | filecheck %s --check-prefix=COUNT
// RUN: raspir-opt %s --split-input-file --verify-diagnostics --parsing-diagnostics | grep -c "invalid.mlir:[0-9]*:[0-9]*$" | filecheck %s --check-prefix=PARSECOUNT

// Every chunk below fails to verify or to parse: none is printed back as a
// module. The 36 verifier diagnostics point at the offending op (at least one
// chunk per message of raspir/dialects/la.py); the 9 parse errors, at the end,
// at the offending text. Weights are external (shape, digest, non-zero count) where
// their values do not matter: verification looks only at shapes.
// ALLFAIL-NOT: builtin.module {
// ALLFAIL-NOT: la.model vocab
// COUNT: 36
// PARSECOUNT: 9

// == la.residual ==

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one, one]
  la.weight @tok [3, 4] external "0000000000000000" nnz 0
  la.weight @pos [2, 4] external "0000000000000000" nnz 0
  la.weight @out [4, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.unembed categorical ["a"] @out
}
// CHECK: la.residual lists one twice

// -----

// Directions are type-exact (m:1 and m:1.0 are two), but m:1 twice is one.

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one, m:1, m:1.0, m:true, m:1]
  la.weight @tok [3, 7] external "0000000000000000" nnz 0
  la.weight @pos [2, 7] external "0000000000000000" nnz 0
  la.weight @out [7, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.unembed categorical ["a"] @out
}
// CHECK: la.residual lists m:1 twice

// -----

// == la.embed ==

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [4, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "a", "PAD"] @tok positions @pos
  la.unembed categorical ["a"] @out
}
// CHECK: la.embed: the token list repeats a token

// -----

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [2, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS"] @tok positions @pos
  la.unembed categorical ["a"] @out
}
// CHECK: la.embed: the token list must be the vocab, bos and pad

// -----

// Type-exact too: the token 1.0 is not the vocab's 1.

la.model vocab {1} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:1, one]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens [1.0, "BOS", "PAD"] @tok positions @pos
  la.unembed categorical [1] @out
}
// CHECK: la.embed: the token list must be the vocab, bos and pad

// -----

// == la.attention ==
// Only the generic form can give an attention with heads too few weights, or
// one without heads some weights.

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @q [3, 1] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  "la.attention"() <{layer = #builtin.int<0>, heads = ["h"], key_size = #builtin.int<1>, value_size = #builtin.int<1>, query = @q, key = @q, value = @q}> : () -> ()
  la.mlp 0 blocks {}
  la.unembed categorical ["a"] @out
}
// CHECK: la.attention 0: needs query, key, value and output weights

// -----

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @q [3, 0] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  "la.attention"() <{layer = #builtin.int<0>, heads = [], key_size = #builtin.int<0>, value_size = #builtin.int<0>, query = @q}> : () -> ()
  la.mlp 0 blocks {}
  la.unembed categorical ["a"] @out
}
// CHECK: la.attention 0: has no heads, so it takes no weights

// -----

// == la.mlp ==

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @fst [3, 1] external "0000000000000000" nnz 0
  la.weight @snd [1, 3] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.attention 0 heads [] key_size 0 value_size 0
  "la.mlp"() <{layer = #builtin.int<0>, labels = ["m", "n"], widths = [#builtin.int<1>], fst = @fst, snd = @snd}> : () -> ()
  la.unembed categorical ["a"] @out
}
// CHECK: la.mlp 0: one width per label

// -----

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @fst [3, 1] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.attention 0 heads [] key_size 0 value_size 0
  "la.mlp"() <{layer = #builtin.int<0>, labels = ["m"], widths = [#builtin.int<1>], fst = @fst}> : () -> ()
  la.unembed categorical ["a"] @out
}
// CHECK: la.mlp 0: needs fst and snd weights

// -----

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @snd [0, 3] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.attention 0 heads [] key_size 0 value_size 0
  "la.mlp"() <{layer = #builtin.int<0>, labels = [], widths = [], snd = @snd}> : () -> ()
  la.unembed categorical ["a"] @out
}
// CHECK: la.mlp 0: has no blocks, so it takes no weights

// -----

// == la.unembed ==

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  "la.unembed"() <{encoding = "binary", values = #rasp.list<["a"]>, table = @out}> : () -> ()
}
// CHECK: la.unembed: unknown encoding 'binary'

// -----

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  "la.unembed"() <{encoding = "numerical", values = #rasp.list<["a"]>, table = @out}> : () -> ()
}
// CHECK: la.unembed: a numerical output has no value list

// -----

// == The model's body ==

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
}
// CHECK: program body must end with la.unembed

// -----

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.unembed categorical ["a"] @out
}
// CHECK: la.model: the body starts with la.residual

// -----

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.unembed categorical ["a"] @out
}
// CHECK: la.model: weights are declared before la.embed

// -----

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.unembed categorical ["a"] @out
}
// CHECK: la.model: needs one la.embed after the weights

// -----

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.attention 0 heads [] key_size 0 value_size 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.mlp 0 blocks {}
  la.unembed categorical ["a"] @out
}
// CHECK: la.model: needs one la.embed after the weights

// -----

// A layer's attention without its MLP.

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.attention 0 heads [] key_size 0 value_size 0
  la.unembed categorical ["a"] @out
}
// CHECK: la.model: between la.embed and la.unembed come la.attention and la.mlp, alternating, one pair per layer

// -----

// The MLP before the attention.

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.mlp 0 blocks {}
  la.attention 0 heads [] key_size 0 value_size 0
  la.unembed categorical ["a"] @out
}
// CHECK: la.model: between la.embed and la.unembed come la.attention and la.mlp, alternating, one pair per layer

// -----

// A second embedding, or a second residual basis, breaks the alternation.

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.unembed categorical ["a"] @out
}
// CHECK: la.model: between la.embed and la.unembed come la.attention and la.mlp, alternating, one pair per layer

// -----

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.residual [tokens:"BOS", tokens:"a", one]
  la.unembed categorical ["a"] @out
}
// CHECK: la.model: between la.embed and la.unembed come la.attention and la.mlp, alternating, one pair per layer

// -----

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.attention 1 heads [] key_size 0 value_size 0
  la.mlp 1 blocks {}
  la.unembed categorical ["a"] @out
}
// CHECK: la.model: la.attention 1 is in the place of layer 0

// -----

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.attention 0 heads [] key_size 0 value_size 0
  la.mlp 0 blocks {}
  la.attention 1 heads [] key_size 0 value_size 0
  la.mlp 0 blocks {}
  la.unembed categorical ["a"] @out
}
// CHECK: la.model: la.mlp 0 is in the place of layer 1

// -----

// == Weights ==

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @tok [3, 3] external "1111111111111111" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.unembed categorical ["a"] @out
}
// CHECK: la.model: a weight symbol is declared twice

// -----

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @"pos_embed/embeddings"
  la.unembed categorical ["a"] @out
}
// CHECK: la.embed: position_table weight @pos_embed/embeddings is not declared

// -----

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @q [3, 1] external "0000000000000000" nnz 0
  la.weight @o [1, 3] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.attention 0 heads ["h"] key_size 1 value_size 1 query @q key @k value @q output @o
  la.mlp 0 blocks {}
  la.unembed categorical ["a"] @out
}
// CHECK: la.attention: key weight @k is not declared

// -----

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @pos [1, 3] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.unembed categorical ["a"] @out
}
// CHECK: la.embed: position_table weight @pos has shape [1, 3], expected [2, 3]

// -----

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 4] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.unembed categorical ["a"] @out
}
// CHECK: la.embed: token_table weight @tok has shape [3, 4], expected [3, 3]

// -----

// Two heads of key size 2: query and key are (D, 4).

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @q [3, 4] external "0000000000000000" nnz 0
  la.weight @k [3, 2] external "0000000000000000" nnz 0
  la.weight @v [3, 2] external "0000000000000000" nnz 0
  la.weight @o [2, 3] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.attention 0 heads ["h", "g"] key_size 2 value_size 1 query @q key @k value @v output @o
  la.mlp 0 blocks {}
  la.unembed categorical ["a"] @out
}
// CHECK: la.attention: key weight @k has shape [3, 2], expected [3, 4]

// -----

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @q [3, 1] external "0000000000000000" nnz 0
  la.weight @o [3, 1] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.attention 0 heads ["h"] key_size 1 value_size 1 query @q key @q value @q output @o
  la.mlp 0 blocks {}
  la.unembed categorical ["a"] @out
}
// CHECK: la.attention: output weight @o has shape [3, 1], expected [1, 3]

// -----

// Blocks of widths 1 and 2: fst is (D, 3), snd (3, D).

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @fst [3, 3] external "0000000000000000" nnz 0
  la.weight @snd [2, 3] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.attention 0 heads [] key_size 0 value_size 0
  la.mlp 0 blocks {"m" = 1, "n" = 2} fst @fst snd @snd
  la.unembed categorical ["a"] @out
}
// CHECK: la.mlp: snd weight @snd has shape [2, 3], expected [3, 3]

// -----

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.unembed categorical ["a", "b"] @out
}
// CHECK: la.unembed: table weight @out has shape [3, 1], expected [3, 2]

// -----

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @out [3, 2] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.unembed numerical @out
}
// CHECK: la.unembed: table weight @out has shape [3, 2], expected [3, 1]

// -----

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] external "0000000000000000" nnz 0
  la.weight @pos [2, 3] external "0000000000000000" nnz 0
  la.weight @unused [3, 3] external "0000000000000000" nnz 0
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.embed tokens ["a", "BOS", "PAD"] @tok positions @pos
  la.unembed categorical ["a"] @out
}
// CHECK: la.model: weight @unused is never used

// -----

// == Ops outside la.model ==

la.residual [one]
// CHECK: 'la.residual' expects parent op 'la.model'

// -----

la.weight @w [1, 1] dense [[1.0]]
// CHECK: 'la.weight' expects parent op 'la.model'

// -----

// == Parse errors ==

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] dense [[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]]
}
// CHECK:      {{.*}}invalid.mlir:[[# @LINE - 2]]:31
// CHECK-NEXT: la.weight @tok [3, 3] dense {{\[}}[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]]
// CHECK-NEXT: ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
// CHECK-NEXT: dense values do not have shape [3, 3]

// -----

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [2, 2] dense [[0.0, 1.0], [1.0, 0.0, 1.0]]
}
// CHECK:      {{.*}}invalid.mlir:[[# @LINE - 2]]:31
// CHECK-NEXT: la.weight @tok [2, 2] dense {{\[}}[0.0, 1.0], [1.0, 0.0, 1.0]]
// CHECK-NEXT: ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
// CHECK-NEXT: dense values do not have shape [2, 2]

// -----

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3] dense [[0.0, 1.0, 1.0]]
}
// CHECK:      {{.*}}invalid.mlir:[[# @LINE - 2]]:22
// CHECK-NEXT: la.weight @tok [3] dense {{\[}}[0.0, 1.0, 1.0]]
// CHECK-NEXT: ^^^^^
// CHECK-NEXT: a weight is a matrix, got shape [3]

// -----

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @tok [3, 3] sparse {}
}
// CHECK:      {{.*}}invalid.mlir:[[# @LINE - 2]]:25
// CHECK-NEXT: la.weight @tok [3, 3] sparse {}
// CHECK-NEXT: ^^^^^^
// CHECK-NEXT: Expected 'dense' or 'external' after a weight shape

// -----

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @q [3, 1] external "0000000000000000" nnz 0
  la.attention 0 heads [1] key_size 1 value_size 1 query @q key @q value @q output @q
}
// CHECK:      {{.*}}invalid.mlir:[[# @LINE - 2]]:28
// CHECK-NEXT: la.attention 0 heads [1] key_size 1 value_size 1 query @q key @q value @q output @q
// CHECK-NEXT: ^^^^^^^^
// CHECK-NEXT: head labels are strings

// -----

// Without heads, an attention takes no weights: the parser stops before them.

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @q [3, 0] external "0000000000000000" nnz 0
  la.attention 0 heads [] key_size 0 value_size 0 query @q key @q value @q output @q
}
// CHECK:      {{.*}}invalid.mlir:[[# @LINE - 2]]:57
// CHECK-NEXT: la.attention 0 heads [] key_size 0 value_size 0 query @q key @q value @q output @q
// CHECK-NEXT: ^^
// CHECK-NEXT: Operation query is not registered

// -----

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @out [3, 1] external "0000000000000000" nnz 0
  la.unembed binary ["a"] @out
}
// CHECK:      {{.*}}invalid.mlir:[[# @LINE - 2]]:14
// CHECK-NEXT: la.unembed binary ["a"] @out
// CHECK-NEXT: ^^^^^^
// CHECK-NEXT: Expected one of 'categorical', 'numerical'

// -----

// A digest is the 16 hex digits the compiler writes, nothing else.

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @out [3, 1] external "not-a-digest" nnz 0
}
// CHECK:      {{.*}}invalid.mlir:[[# @LINE - 2]]:34
// CHECK-NEXT: la.weight @out [3, 1] external "not-a-digest" nnz 0
// CHECK-NEXT: ^^^^^^^^^^^^^^^
// CHECK-NEXT: a weight digest is 16 lowercase hex digits

// -----

// Weights are finite float32 values: 1.0e39 is beyond float32's range.

la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  la.residual [tokens:"BOS", tokens:"a", one]
  la.weight @out [1, 2] dense [[0.5, 1.0e39]]
}
// CHECK:      {{.*}}invalid.mlir:[[# @LINE - 2]]:38
// CHECK-NEXT: la.weight @out [1, 2] dense {{\[\[}}0.5, 1.0e39]]
// CHECK-NEXT: ^^^^^^
// CHECK-NEXT: weight value 1e+39 is not a finite float32
