// RUN: raspir-opt %s --split-input-file -t jax | filecheck %s --match-full-lines

// Run the emitted modules (-o MODEL.py also writes MODEL.npz beside it) with
// jax on CPU, each on its own: the first chunk of this file, then the second.
// RUN: rm -rf %t && mkdir -p %t
// RUN: sed -e '/^\/\/ -----/,$d' %s > %t/hist.mlir
// RUN: sed -e '1,/^\/\/ -----/d' %s > %t/mean.mlir
// RUN: raspir-opt %t/hist.mlir -t jax -o %t/hist.py
// RUN: %python %inputs/run_jax_module.py %t/hist.py a,b a,a b,a b a b,PAD PAD,a a,z a,compiler_bos a,b,a "" | filecheck %s --match-full-lines --check-prefix=HIST
// RUN: raspir-opt %t/mean.mlir -t jax -o %t/mean.py
// RUN: %python %inputs/run_jax_module.py %t/mean.py 1,2 2,1 2,2 1 1,PAD | filecheck %s --match-full-lines --check-prefix=MEAN

// The weights file is named after the output (-o x.py writes x.npz); without
// -o, the module names model.npz and no weights are written.
// RUN: grep "^WEIGHTS_FILE = " %t/hist.py | filecheck %s --match-full-lines --check-prefix=NAMED
// NAMED: WEIGHTS_FILE = 'hist.npz'

// External weights read back from text have no values: emitting with -o (which
// writes the weights) is refused until --weights binds them from the .npz, here
// the one written above for the same model (the first chunk below is what the
// pipeline makes of hist: same symbols, shapes and digests).
// RUN: raspir ir raspir.testing.library:hist --vocab a,b --max-seq-len 2 | raspir-opt -p 'convert-rasp-to-sa,schedule-layers,convert-sa-to-craft,convert-craft-to-la{inline_limit=0}' -o %t/hist-external.mlir
// RUN: grep -c ' external "' %t/hist-external.mlir | filecheck %s --check-prefix=EXTERNAL
// EXTERNAL: 9
// RUN: not raspir-opt %t/hist-external.mlir -t jax -o %t/unbound.py 2>&1 | filecheck %s --check-prefix=UNBOUND
// UNBOUND-NOT: {{^(?!raspir-opt: error: ).}}
// UNBOUND: {{^}}raspir-opt: error: -t jax: weight @token_embed/embeddings is external and has no values bound; read la IR with --weights FILE.npz to bind them{{$}}
// UNBOUND-NOT: {{.}}
// RUN: raspir-opt %t/hist-external.mlir --weights %t/hist.npz -t jax -o %t/bound.py
// RUN: %python %inputs/run_jax_module.py %t/bound.py a,b a,a | filecheck %s --match-full-lines --check-prefix=BOUND
// BOUND: 'a,b': ['compiler_bos', 1, 1]
// BOUND: 'a,a': ['compiler_bos', 2, 2]

// A module without an la.model (here, still at the craft level) is refused
// with one line.
// RUN: raspir ir raspir.testing.library:hist --vocab a,b --max-seq-len 2 | raspir-opt -p convert-rasp-to-sa,schedule-layers,convert-sa-to-craft | not raspir-opt -t jax 2>&1 | filecheck %s --check-prefix=NOMODEL
// NOMODEL-NOT: {{^(?!raspir-opt: error: ).}}
// NOMODEL: {{^}}raspir-opt: error: -t jax: expected one la.model, found 0 (lower the program with convert-craft-to-la first){{$}}
// NOMODEL-NOT: {{.}}
// RUN: sed -e 's/^\/\/ -----$//' %s | not raspir-opt -t jax 2>&1 | filecheck %s --check-prefix=TWOMODELS
// TWOMODELS-NOT: {{^(?!raspir-opt: error: ).}}
// TWOMODELS: {{^}}raspir-opt: error: -t jax: expected one la.model, found 2 (lower the program with convert-craft-to-la first){{$}}
// TWOMODELS-NOT: {{.}}

// hist (lib) on vocab {a, b}, max_seq_len 2, as convert-craft-to-la lowers it
// with inline weights: a non-causal model with a categorical output, one head
// and one MLP.

la.model vocab {"a", "b"} max_seq_len 2 bos "compiler_bos" pad "compiler_pad" {
  la.residual [tokens:"compiler_bos", tokens:"a", tokens:"b", one, hist.inverse_width, hist:0, hist:1, hist:2]
  la.weight @"token_embed/embeddings" [4, 8] dense [[0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]]
  la.weight @"pos_embed/embeddings" [3, 8] dense [[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]
  la.weight @"transformer/layer_0/attn/query/w" [8, 3] dense [[0.0, 0.0, 0.0], [0.0, 6.238416, 0.0], [0.0, 0.0, 6.238416], [6.238416, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
  la.weight @"transformer/layer_0/attn/key/w" [8, 3] dense [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
  la.weight @"transformer/layer_0/attn/value/w" [8, 1] dense [[1.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0]]
  la.weight @"transformer/layer_0/attn/linear/w" [1, 8] dense [[0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]]
  la.weight @"transformer/layer_0/mlp/linear_1/w" [8, 5] dense [[-1.0, -18.408, -18.408, -8.111111, -8.111111], [0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0], [1.0, 5.62, 4.62, -2.547619, -3.547619], [0.0, -12.288, -12.288, 4.0634923, 4.0634923], [0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0]]
  la.weight @"transformer/layer_0/mlp/linear_2/w" [5, 8] dense [[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0, 1.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, -1.0], [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, -1.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, -1.0, 1.0, 0.0]]
  la.weight @"unembed/w" [8, 3] dense [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
  la.embed tokens ["a", "b", "compiler_bos", "compiler_pad"] @"token_embed/embeddings" positions @"pos_embed/embeddings"
  la.attention 0 heads ["hist"] key_size 3 value_size 1 query @"transformer/layer_0/attn/query/w" key @"transformer/layer_0/attn/key/w" value @"transformer/layer_0/attn/value/w" output @"transformer/layer_0/attn/linear/w"
  la.mlp 0 blocks {"hist" = 5} fst @"transformer/layer_0/mlp/linear_1/w" snd @"transformer/layer_0/mlp/linear_2/w"
  la.unembed categorical [0, 1, 2] @"unembed/w"
}

// CHECK: """A transformer compiled by raspir: 1 layer, residual width 8.
// CHECK: import jax
// CHECK-NEXT: import jax.numpy as jnp
// CHECK-NEXT: import numpy as np
// CHECK-EMPTY:
// CHECK-NEXT: TOKENS = ['a', 'b', 'compiler_bos', 'compiler_pad']
// CHECK-NEXT: # token id i is TOKENS[i]
// CHECK-NEXT: BOS = 'compiler_bos'
// CHECK-NEXT: PAD = 'compiler_pad'
// CHECK-NEXT: BOS_ID = 2
// CHECK-NEXT: PAD_ID = 3
// CHECK-NEXT: MAX_SEQ_LEN = 2
// CHECK-NEXT: CAUSAL = False
// CHECK-NEXT: OUTPUT_ENCODING = "categorical"
// CHECK-NEXT: OUTPUT_VALUES = [0, 1, 2]
// CHECK-NEXT: RESIDUAL_LABELS = ['tokens:compiler_bos', 'tokens:a', 'tokens:b', 'one', 'hist.inverse_width', 'hist:0', 'hist:1', 'hist:2']
// CHECK-NEXT: NUM_LAYERS = 1
// CHECK-NEXT: WEIGHTS_FILE = 'model.npz'
// CHECK-NEXT: DTYPE = "float32"
// CHECK: def forward(params, token_ids, trace=False):
// CHECK-NEXT:     """Output scores (batch, positions, values); numerical: (batch, positions)."""
// CHECK-NEXT:     token_ids = jnp.asarray(token_ids)
// CHECK-NEXT:     t = token_ids.shape[-1]
// CHECK-NEXT:     x = params["token_embed/embeddings"][token_ids]
// CHECK-NEXT:     x = x + params["pos_embed/embeddings"][:t]
// CHECK-NEXT:     embeddings = x
// CHECK-NEXT:     keep = (token_ids != PAD_ID)[:, None, None, :]
// CHECK-NEXT:     residuals, layer_outputs, attn_logits = [], [], []
// CHECK-NEXT:     # layer 0 attention: heads "hist"
// CHECK-NEXT:     out, logits = _attention(x, keep, params["transformer/layer_0/attn/query/w"], params["transformer/layer_0/attn/key/w"], params["transformer/layer_0/attn/value/w"], params["transformer/layer_0/attn/linear/w"], 1, 3, 1)
// CHECK-NEXT:     attn_logits.append(logits)
// CHECK-NEXT:     x = x + out
// CHECK-NEXT:     residuals.append(x)
// CHECK-NEXT:     layer_outputs.append(out)
// CHECK-NEXT:     # layer 0 mlp: "hist" (5)
// CHECK-NEXT:     out = _mlp(x, params["transformer/layer_0/mlp/linear_1/w"], params["transformer/layer_0/mlp/linear_2/w"])
// CHECK-NEXT:     x = x + out
// CHECK-NEXT:     residuals.append(x)
// CHECK-NEXT:     layer_outputs.append(out)
// CHECK-NEXT:     result = _matmul(x, params["unembed/w"])
// CHECK-NEXT:     if not trace:
// CHECK-NEXT:         return result
// CHECK-NEXT:     return result, {
// CHECK-NEXT:         "input_embeddings": embeddings,
// CHECK-NEXT:         "residuals": residuals,
// CHECK-NEXT:         "layer_outputs": layer_outputs,
// CHECK-NEXT:         "attn_logits": attn_logits,
// CHECK-NEXT:         "transformer_output": x,
// CHECK-NEXT:     }
// CHECK-NEXT: // {{-----}}

// hist counts each token's occurrences; PAD positions decode as PAD and are
// never attended to (b,PAD counts like b alone). PAD may only end an input;
// an unknown token or BOS inside the input is refused, positions counted from
// 0 after BOS; an input longer than max_seq_len too.
// HIST: params: token_embed/embeddings [4, 8], pos_embed/embeddings [3, 8], transformer/layer_0/attn/query/w [8, 3], transformer/layer_0/attn/key/w [8, 3], transformer/layer_0/attn/value/w [8, 1], transformer/layer_0/attn/linear/w [1, 8], transformer/layer_0/mlp/linear_1/w [8, 5], transformer/layer_0/mlp/linear_2/w [5, 8], unembed/w [8, 3]
// HIST-NEXT: 'a,b': ['compiler_bos', 1, 1]
// HIST-NEXT: 'a,a': ['compiler_bos', 2, 2]
// HIST-NEXT: 'b,a': ['compiler_bos', 1, 1]
// HIST-NEXT: 'b': ['compiler_bos', 1]
// HIST-NEXT: 'a': ['compiler_bos', 1]
// HIST-NEXT: 'b,PAD': ['compiler_bos', 1, 'compiler_pad']
// HIST-NEXT: 'PAD,a': ValueError: token 'a' at position 1 follows PAD; PAD may only end an input
// HIST-NEXT: 'a,z': ValueError: token 'z' at position 1 is not in the vocab
// HIST-NEXT: 'a,compiler_bos': ValueError: token 'compiler_bos' at position 1 is not in the vocab (BOS may only start an input)
// HIST-NEXT: 'a,b,a': ValueError: input has 3 tokens after BOS, more than max_seq_len 2
// HIST-NEXT: '': ['compiler_bos']
// HIST-NEXT: batch of 7 agrees; trace: 2 residuals of shape [7, 3, 8], logits {{\[}}[7, 1, 3, 3]]

// -----

// A causal model with a numerical output and an empty second layer: head "w"
// attends uniformly (zero query and key) to the positions up to its own, BOS
// included, and averages x (the token's value; 0 at BOS); the MLP doubles
// the mean, y = ReLU(w)·2 + ReLU(-w)·(-2). So the output at position i is
// 2·(x_1 + ... + x_i)/(i + 1).

la.model vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" causal {
  la.residual [tokens:"BOS", one, x, w, y]
  la.weight @tok [4, 5] dense [[0.0, 1.0, 1.0, 0.0, 0.0], [0.0, 1.0, 2.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0, 0.0]]
  la.weight @pos [3, 5] dense [[0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0]]
  la.weight @zero [5, 1] dense [[0.0], [0.0], [0.0], [0.0], [0.0]]
  la.weight @value [5, 1] dense [[0.0], [0.0], [1.0], [0.0], [0.0]]
  la.weight @output [1, 5] dense [[0.0, 0.0, 0.0, 1.0, 0.0]]
  la.weight @fst [5, 2] dense [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [1.0, -1.0], [0.0, 0.0]]
  la.weight @snd [2, 5] dense [[0.0, 0.0, 0.0, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0, -2.0]]
  la.weight @read [5, 1] dense [[0.0], [0.0], [0.0], [0.0], [1.0]]
  la.embed tokens [1, 2, "BOS", "PAD"] @tok positions @pos
  la.attention 0 heads ["w"] key_size 1 value_size 1 query @zero key @zero value @value output @output
  la.mlp 0 blocks {"y" = 2} fst @fst snd @snd
  la.attention 1 heads [] key_size 0 value_size 0
  la.mlp 1 blocks {}
  la.unembed numerical @read
}

// CHECK: """A transformer compiled by raspir: 2 layers, residual width 5.
// CHECK: TOKENS = [1, 2, 'BOS', 'PAD']
// CHECK-NEXT: # token id i is TOKENS[i]
// CHECK-NEXT: BOS = 'BOS'
// CHECK-NEXT: PAD = 'PAD'
// CHECK-NEXT: BOS_ID = 2
// CHECK-NEXT: PAD_ID = 3
// CHECK-NEXT: MAX_SEQ_LEN = 2
// CHECK-NEXT: CAUSAL = True
// CHECK-NEXT: OUTPUT_ENCODING = "numerical"
// CHECK-NEXT: OUTPUT_VALUES = []
// CHECK-NEXT: RESIDUAL_LABELS = ['tokens:BOS', 'one', 'x', 'w', 'y']
// CHECK-NEXT: NUM_LAYERS = 2
// CHECK-NEXT: WEIGHTS_FILE = 'model.npz'
// CHECK-NEXT: DTYPE = "float32"
// CHECK: def forward(params, token_ids, trace=False):
// CHECK-NEXT:     """Output scores (batch, positions, values); numerical: (batch, positions)."""
// CHECK-NEXT:     token_ids = jnp.asarray(token_ids)
// CHECK-NEXT:     t = token_ids.shape[-1]
// CHECK-NEXT:     x = params["tok"][token_ids]
// CHECK-NEXT:     x = x + params["pos"][:t]
// CHECK-NEXT:     embeddings = x
// CHECK-NEXT:     keep = (token_ids != PAD_ID)[:, None, None, :]
// CHECK-NEXT:     keep = keep & jnp.tril(jnp.ones((t, t), bool))
// CHECK-NEXT:     residuals, layer_outputs, attn_logits = [], [], []
// CHECK-NEXT:     # layer 0 attention: heads "w"
// CHECK-NEXT:     out, logits = _attention(x, keep, params["zero"], params["zero"], params["value"], params["output"], 1, 1, 1)
// CHECK-NEXT:     attn_logits.append(logits)
// CHECK-NEXT:     x = x + out
// CHECK-NEXT:     residuals.append(x)
// CHECK-NEXT:     layer_outputs.append(out)
// CHECK-NEXT:     # layer 0 mlp: "y" (2)
// CHECK-NEXT:     out = _mlp(x, params["fst"], params["snd"])
// CHECK-NEXT:     x = x + out
// CHECK-NEXT:     residuals.append(x)
// CHECK-NEXT:     layer_outputs.append(out)
// CHECK-NEXT:     # layer 1 attention: empty
// CHECK-NEXT:     out, logits = _no_attention(x)
// CHECK-NEXT:     attn_logits.append(logits)
// CHECK-NEXT:     x = x + out
// CHECK-NEXT:     residuals.append(x)
// CHECK-NEXT:     layer_outputs.append(out)
// CHECK-NEXT:     # layer 1 mlp: empty
// CHECK-NEXT:     out = jnp.zeros_like(x)
// CHECK-NEXT:     x = x + out
// CHECK-NEXT:     residuals.append(x)
// CHECK-NEXT:     layer_outputs.append(out)
// CHECK-NEXT:     result = _matmul(x, params["read"])[..., 0]
// CHECK-NEXT:     if not trace:
// CHECK-NEXT:         return result

// Causal: position 1 sees BOS and itself, so 1,2 gives 2·1/2 = 1.0, then
// 2·3/3 = 2.0 (without the causal mask both would be 2.0).
// MEAN: params: tok [4, 5], pos [3, 5], zero [5, 1], value [5, 1], output [1, 5], fst [5, 2], snd [2, 5], read [5, 1]
// MEAN-NEXT: '1,2': ['BOS', 1.0, 2.0]
// MEAN-NEXT: '2,1': ['BOS', 2.0, 2.0]
// MEAN-NEXT: '2,2': ['BOS', 2.0, 2.6667]
// MEAN-NEXT: '1': ['BOS', 1.0]
// MEAN-NEXT: '1,PAD': ['BOS', 1.0, 'PAD']
// MEAN-NEXT: batch of 5 agrees; trace: 4 residuals of shape [5, 3, 5], logits {{\[}}[5, 1, 3, 3], [5, 0, 3, 3]]
