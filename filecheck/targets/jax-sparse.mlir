// RUN: raspir-opt %s -t 'jax{sparse=true}' | filecheck %s --match-full-lines

// The sparse module runs on its own (jax and numpy only) and decodes as the
// dense module of targets/jax.mlir does (the weights file is named in the
// target's options).
// RUN: rm -rf %t && mkdir -p %t
// RUN: raspir-opt %s -t 'jax{sparse=true}' -o %t/hist.py
// -o names the weights file beside the module and keeps the target's options.
// RUN: grep -c "^def sparse_params" %t/hist.py | filecheck %s --check-prefix=WRITTEN
// WRITTEN: 1
// RUN: %python %inputs/run_jax_module.py %t/hist.py a,b a,a b,a b a b,PAD "" | filecheck %s --match-full-lines --check-prefix=HIST

// The forms are chosen from the weights' values: external weights without
// values are refused until --weights binds them.
// RUN: raspir ir raspir.testing.library:hist --vocab a,b --max-seq-len 2 | raspir-opt -p 'convert-rasp-to-sa,schedule-layers,convert-sa-to-craft,convert-craft-to-la{inline_limit=0}' -o %t/hist-external.mlir
// RUN: not raspir-opt %t/hist-external.mlir -t 'jax{sparse=true}' 2>&1 | filecheck %s --check-prefix=UNBOUND
// UNBOUND-NOT: {{^(?!raspir-opt: error: ).}}
// UNBOUND: {{^}}raspir-opt: error: -t jax{sparse=true}: weight @token_embed/embeddings is external and has no values bound; the sparse forms are chosen from the values: read la IR with --weights FILE.npz to bind them{{$}}
// UNBOUND-NOT: {{.}}
// RUN: raspir-opt %t/hist-external.mlir --weights %t/hist.npz -t 'jax{sparse=true}' | filecheck %s --check-prefix=BOUND
// BOUND: FORMS = {

// Wider models, lowered and emitted in one raspir-opt run (so their weights
// keep their values). sort at max_seq_len 64 (residual width 238): the first
// MLP's second layer has one non-zero per row in 0.42 % of its entries, a
// scatter; its first layer has up to 3 non-zeros per column, more than 1 % of
// 238 rows, and 1.3 % non-zero: dense; the target head's query is dense too.
// RUN: raspir ir raspir.testing.library:sort --vocab 1,2,3,4,5 --max-seq-len 64 | raspir-opt -p 'convert-rasp-to-sa,schedule-layers,convert-sa-to-craft,convert-craft-to-la' -t 'jax{sparse=true}' 2>/dev/null | filecheck %s --check-prefix=SORT
// SORT: """A transformer compiled by raspir: 3 layers, residual width 238.
// SORT: FORMS = {
// SORT-NEXT:     "transformer/layer_0/mlp/linear_1/w": "dense",
// SORT-NEXT:     "transformer/layer_0/mlp/linear_2/w": "scatter",
// SORT-NEXT:     "transformer/layer_1/attn/query/w": "dense",
// SORT:     # layer 0 mlp: "keys" (320)
// SORT-NEXT:     #   fst: dense (1.3 % non-zero, up to 3 per column)
// SORT-NEXT:     #   snd: scatter (0.42 % non-zero, one per row)
// SORT:     # layer 1 attention: heads "target_pos"
// SORT-NEXT:     #   query: dense (20 % non-zero, up to 95 per column)
// SORT-NEXT:     #   key: gather (1 per column)

// nary_sequencemap at max_seq_len 64 through -O2's passes (residual width
// 391): its MLP's first layer has 3 non-zeros per column, at most 1 % of 391
// rows: three gathers.
// RUN: raspir ir raspir.testing.library:nary_sequencemap --vocab a,b,c,d,e --max-seq-len 64 | raspir-opt -p 'canonicalize,cse,rasp-legalize,rasp-fuse-maps,rasp-prune-value-sets,canonicalize,dce,rasp-choose-encodings,convert-rasp-to-sa,schedule-layers{narrow=true},convert-sa-to-craft,craft-eliminate-dead-directions,craft-compress-residual,convert-craft-to-la' -t 'jax{sparse=true}' 2>/dev/null | filecheck %s --check-prefix=NARY
// NARY: """A transformer compiled by raspir: 1 layer, residual width 391.
// NARY:     # layer 0 mlp: "map" (320)
// NARY-NEXT:     #   fst: gather (3 per column)
// NARY-NEXT:     #   snd: gather (1 per column)
// NARY-NEXT:     out = _mlp(x, params["transformer/layer_0/mlp/linear_1/w"], params["transformer/layer_0/mlp/linear_2/w"])

// hist (lib) on vocab {a, b}, max_seq_len 2, as in targets/jax.mlir: with a
// residual of width 8 only the matrices with at most one non-zero per column
// are gathers; the MLP's are dense.

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
// CHECK-EMPTY:
// CHECK-NEXT: Its weight products run sparse: load_params() converts each weight of
// CHECK-NEXT: the weights file to the form FORMS names (gathers, a scatter, a BCOO
// CHECK-NEXT: product or a dense one).
// CHECK: import os
// CHECK-EMPTY:
// CHECK-NEXT: import jax
// CHECK-NEXT: import jax.numpy as jnp
// CHECK-NEXT: import numpy as np
// CHECK-NEXT: from jax.experimental import sparse
// CHECK-EMPTY:
// CHECK-NEXT: TOKENS = ['a', 'b', 'compiler_bos', 'compiler_pad']
// CHECK: WEIGHTS_FILE = 'model.npz'
// CHECK-NEXT: DTYPE = "float32"
// CHECK-NEXT: # the form of each weight product (the embeddings are lookups)
// CHECK-NEXT: FORMS = {
// CHECK-NEXT:     "transformer/layer_0/attn/query/w": "gather",
// CHECK-NEXT:     "transformer/layer_0/attn/key/w": "gather",
// CHECK-NEXT:     "transformer/layer_0/attn/value/w": "gather",
// CHECK-NEXT:     "transformer/layer_0/attn/linear/w": "gather",
// CHECK-NEXT:     "transformer/layer_0/mlp/linear_1/w": "dense",
// CHECK-NEXT:     "transformer/layer_0/mlp/linear_2/w": "dense",
// CHECK-NEXT:     "unembed/w": "gather",
// CHECK-NEXT: }
// CHECK: def load_params(path=None):
// CHECK:     table = _read_weights(path)
// CHECK-NEXT:     return sparse_params(table)
// CHECK: def forward(params, token_ids, trace=False):
// CHECK:     residuals, layer_outputs, attn_logits = [], [], []
// CHECK-NEXT:     # layer 0 attention: heads "hist"
// CHECK-NEXT:     #   query: gather (1 per column)
// CHECK-NEXT:     #   key: gather (1 per column)
// CHECK-NEXT:     #   value: gather (1 per column)
// CHECK-NEXT:     #   output: gather (1 per column)
// CHECK-NEXT:     out, logits = _attention(x, keep, params["transformer/layer_0/attn/query/w"], params["transformer/layer_0/attn/key/w"], params["transformer/layer_0/attn/value/w"], params["transformer/layer_0/attn/linear/w"], 1, 3, 1)
// CHECK:     # layer 0 mlp: "hist" (5)
// CHECK-NEXT:     #   fst: dense (35 % non-zero, up to 3 per column)
// CHECK-NEXT:     #   snd: dense (22 % non-zero, up to 5 per column)
// CHECK-NEXT:     out = _mlp(x, params["transformer/layer_0/mlp/linear_1/w"], params["transformer/layer_0/mlp/linear_2/w"])
// CHECK:     # unembed: gather (1 per column)
// CHECK-NEXT:     result = _matmul(x, params["unembed/w"])
// CHECK-NEXT:     if not trace:

// The same outputs as the dense module (targets/jax.mlir); the gathers' weights
// report their dense shapes.
// HIST: params: token_embed/embeddings [4, 8], pos_embed/embeddings [3, 8], transformer/layer_0/attn/query/w [8, 3], transformer/layer_0/attn/key/w [8, 3], transformer/layer_0/attn/value/w [8, 1], transformer/layer_0/attn/linear/w [1, 8], transformer/layer_0/mlp/linear_1/w [8, 5], transformer/layer_0/mlp/linear_2/w [5, 8], unembed/w [8, 3]
// HIST-NEXT: 'a,b': ['compiler_bos', 1, 1]
// HIST-NEXT: 'a,a': ['compiler_bos', 2, 2]
// HIST-NEXT: 'b,a': ['compiler_bos', 1, 1]
// HIST-NEXT: 'b': ['compiler_bos', 1]
// HIST-NEXT: 'a': ['compiler_bos', 1]
// HIST-NEXT: 'b,PAD': ['compiler_bos', 1, 'compiler_pad']
// HIST-NEXT: '': ['compiler_bos']
// HIST-NEXT: batch of 7 agrees; trace: 2 residuals of shape [7, 3, 8], logits {{\[}}[7, 1, 3, 3]]
