// RUN: raspir-opt %s --split-input-file --verify-diagnostics -p convert-sa-to-craft | filecheck %s --match-full-lines
// RUN: raspir-opt %s --split-input-file --verify-diagnostics -p convert-rasp-to-sa,schedule-layers,convert-sa-to-craft | filecheck %s --match-full-lines --check-prefix=PIPE
// RUN: raspir-opt %s --split-input-file --verify-diagnostics -p convert-rasp-to-sa,schedule-layers,convert-sa-to-craft | filecheck %s --check-prefix=NOSA

// After the full pipeline no rasp or sa op is left, only craft.
// NOSA-NOT: {{(rasp|sa)\.[a-z_]+ }}

// Every component kind, in a causal model (`causal` is kept). The token
// embedding writes `one`, the token's direction, the numerical token embedding
// (x) and the full (two); BOS writes only `one` and `tokens:"BOS"`, PAD only
// `one`; position 0 (BOS) gets nothing. Heads: selected (query, key) pairs
// score the sharpness, the BOS key half of it from `one` (prev, a relation;
// mean, `leq`) or all of it for a count (n, m), whose value is `tokens:"BOS"`
// copied to a scratch direction. A lookup has one unit per output other than
// none and 0 (neg: one unit writing -1.5; name: one unit for "first"), a pair
// lookup one unit per pair of input classes, ReLU(2(x_a + y_b) - 3).
// Discretising MLPs (the counts' second halves, half, sign) have a baseline
// unit ReLU(one - BOS) and two units per step with slope 2/(gap - 2 margin),
// silenced at BOS. A step is rising (active above its threshold: half) or
// falling (active below it, its change taken off the baseline: the counts,
// whose inputs 1/(w+1) crowd near 0, and sign), whichever side reaches the
// nearer extreme input; the linear MLP has the four units ReLU(+-x), ReLU(+-y).

sa.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" causal {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {1, 2} noise 0.0
  %x = sa.tokens "x" : !rasp.sop<numerical> values {1, 2} noise 0.0
  %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1} noise 0.0
  %two = sa.full "two" fill 2 : !rasp.sop<numerical> values {2} noise 0.0
  %neg = sa.lookup "neg" %tokens {1 -> -1.5, 2 -> 0} : !rasp.sop<numerical> values {-1.5, 0} noise 0.0 layer 0
  %name = sa.lookup "name" %indices {0 -> "first", 1 -> none} : !rasp.sop<categorical> values {none, "first"} noise 0.0 layer 0
  %pair = sa.pair_lookup "pair" %tokens, %indices {(1, 0) -> "p", (1, 1) -> "q", (2, 0) -> "p", (2, 1) -> none} : !rasp.sop<categorical> values {none, "p", "q"} noise 0.0 layer 0
  %prev = sa.aggregate "prev" %indices, %indices, %tokens {(0, 1)} sharpness 10.0 : !rasp.sop<categorical> values {none, 1, 2} noise 0.0 layer 0
  %mean = sa.aggregate "mean" %indices, %indices, %x leq sharpness 8.0 : !rasp.sop<numerical> values {0, 1, 1.5, 2} noise 0.0 layer 0
  %n = sa.count "n" %tokens, %tokens eq sharpness 6.0 margin 0.01 : !rasp.sop<categorical> values {1, 2} noise 0.0 layer 0
  %m = sa.count "m" %indices, %indices lt sharpness 6.0 margin 0.01 : !rasp.sop<numerical> values {0, 1} noise 0.0 layer 0
  %diff = sa.linear "diff" %mean, %two factors 1, -0.5 : !rasp.sop<numerical> values {-1, 0, 0.5, 1} noise 0.0 layer 1
  %sign = sa.discretise "sign" %mean {0 -> "zero", 1 -> "pos", 1.5 -> "pos", 2 -> "pos"} margin 0.1 : !rasp.sop<categorical> values {"pos", "zero"} noise 0.0 layer 1
  %half = sa.discretise "half" %x {1 -> 0.5, 2 -> 1.0} margin 0.0 : !rasp.sop<numerical> values {0.5, 1.0} noise 0.0 layer 0
  sa.output %sign : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: craft.model vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" causal {
// CHECK-NEXT: craft.embed tokens {1: {one = 1.0, tokens:1 = 1.0, x = 1.0, two = 2.0}, 2: {one = 1.0, tokens:2 = 1.0, x = 2.0, two = 2.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
// CHECK-NEXT: craft.embed positions {0: {}, 1: {indices:0 = 1.0}, 2: {indices:1 = 1.0}}
// CHECK-NEXT: craft.layer 0 {
// CHECK-NEXT: craft.head "prev" qk {(indices:1, indices:0): 10.0, (one, tokens:"BOS"): 5.0} ov {(tokens:1, prev:1): 1.0, (tokens:2, prev:2): 1.0}
// CHECK-NEXT: craft.head "mean" qk {(indices:0, indices:0): 8.0, (indices:1, indices:0): 8.0, (indices:1, indices:1): 8.0, (one, tokens:"BOS"): 4.0} ov {(x, mean): 1.0}
// CHECK-NEXT: craft.head "n" qk {(tokens:1, tokens:1): 6.0, (tokens:2, tokens:2): 6.0, (one, tokens:"BOS"): 6.0} ov {(tokens:"BOS", n.inverse_width): 1.0}
// CHECK-NEXT: craft.head "m" qk {(indices:1, indices:0): 6.0, (one, tokens:"BOS"): 6.0} ov {(tokens:"BOS", m.inverse_width): 1.0}
// CHECK-NEXT: craft.mlp "neg" hidden 1 fst {(tokens:1, 0): 2.0, (one, 0): -1.0} snd {(0, neg): -1.5}
// CHECK-NEXT: craft.mlp "name" hidden 1 fst {(indices:0, 0): 2.0, (one, 0): -1.0} snd {(0, name:"first"): 1.0}
// CHECK-NEXT: craft.mlp "pair" hidden 3 fst {(tokens:1, 0): 2.0, (indices:0, 0): 2.0, (one, 0): -3.0, (tokens:1, 1): 2.0, (indices:1, 1): 2.0, (one, 1): -3.0, (tokens:2, 2): 2.0, (indices:0, 2): 2.0, (one, 2): -3.0} snd {(0, pair:"p"): 1.0, (1, pair:"q"): 1.0, (2, pair:"p"): 1.0}
// CHECK-NEXT: craft.mlp "n" hidden 3 fst {(one, 0): 1.0, (tokens:"BOS", 0): -1.0, (n.inverse_width, 1): -12.76595744680851, (one, 1): 5.819148936170212, (tokens:"BOS", 1): -19.085106382978722, (n.inverse_width, 2): -12.76595744680851, (one, 2): 4.819148936170212, (tokens:"BOS", 2): -19.085106382978722} snd {(0, n:1): 1.0, (1, n:1): -1.0, (1, n:2): 1.0, (2, n:1): 1.0, (2, n:2): -1.0}
// CHECK-NEXT: craft.mlp "m" hidden 3 fst {(one, 0): 1.0, (tokens:"BOS", 0): -1.0, (m.inverse_width, 1): -4.166666666666667, (one, 1): 3.625, (tokens:"BOS", 1): -8.291666666666668, (m.inverse_width, 2): -4.166666666666667, (one, 2): 2.625, (tokens:"BOS", 2): -8.291666666666668} snd {(1, m): 1.0, (2, m): -1.0}
// CHECK-NEXT: craft.mlp "half" hidden 3 fst {(one, 0): 1.0, (tokens:"BOS", 0): -1.0, (x, 1): 2.0, (one, 1): -2.5, (tokens:"BOS", 1): -6.0, (x, 2): 2.0, (one, 2): -3.5, (tokens:"BOS", 2): -6.0} snd {(0, half): 0.5, (1, half): 0.5, (2, half): -0.5}
// CHECK-NEXT: }
// CHECK-NEXT: craft.layer 1 {
// CHECK-NEXT: craft.mlp "diff" hidden 4 fst {(mean, 0): 1.0, (mean, 1): -1.0, (two, 2): 1.0, (two, 3): -1.0} snd {(0, diff): 1.0, (1, diff): -1.0, (2, diff): -0.5, (3, diff): 0.5}
// CHECK-NEXT: craft.mlp "sign" hidden 3 fst {(one, 0): 1.0, (tokens:"BOS", 0): -1.0, (mean, 1): -2.5, (one, 1): 1.75, (tokens:"BOS", 1): -4.75, (mean, 2): -2.5, (one, 2): 0.75, (tokens:"BOS", 2): -4.75} snd {(0, sign:"pos"): 1.0, (1, sign:"pos"): -1.0, (1, sign:"zero"): 1.0, (2, sign:"pos"): 1.0, (2, sign:"zero"): -1.0}
// CHECK-NEXT: }
// CHECK-NEXT: craft.unembed categorical {"pos": {sign:"pos" = 1.0}, "zero": {sign:"zero" = 1.0}}
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// Directions are named after labels, made unique: a label "one" or a
// non-token "tokens" is renamed (one_2, tokens_2), as is a repeated label
// (twice_2). A numerical output is read from its one direction.

sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
  %one = sa.lookup "one" %tokens {"a" -> 1, "b" -> 2} : !rasp.sop<categorical> values {1, 2} noise 0.0 layer 0
  %copy = sa.lookup "tokens" %tokens {"a" -> "b", "b" -> "a"} : !rasp.sop<categorical> values {"a", "b"} noise 0.0 layer 0
  %twice = sa.lookup "twice" %one {1 -> 2, 2 -> 4} : !rasp.sop<numerical> values {2, 4} noise 0.0 layer 1
  %twice_2 = sa.lookup "twice" %one {1 -> 2.0, 2 -> 4.0} : !rasp.sop<numerical> values {2.0, 4.0} noise 0.0 layer 1
  %sum = sa.linear "sum" %twice, %twice_2 factors 1, 1 : !rasp.sop<numerical> values {4, 8} noise 0.0 layer 2
  sa.output %sum : !rasp.sop<numerical>
}

// CHECK: builtin.module {
// CHECK-NEXT: craft.model vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
// CHECK-NEXT: craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "b": {one = 1.0, tokens:"b" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
// CHECK-NEXT: craft.embed positions {0: {}, 1: {}, 2: {}}
// CHECK-NEXT: craft.layer 0 {
// CHECK-NEXT: craft.mlp "one_2" hidden 2 fst {(tokens:"a", 0): 2.0, (one, 0): -1.0, (tokens:"b", 1): 2.0, (one, 1): -1.0} snd {(0, one_2:1): 1.0, (1, one_2:2): 1.0}
// CHECK-NEXT: craft.mlp "tokens_2" hidden 2 fst {(tokens:"a", 0): 2.0, (one, 0): -1.0, (tokens:"b", 1): 2.0, (one, 1): -1.0} snd {(0, tokens_2:"b"): 1.0, (1, tokens_2:"a"): 1.0}
// CHECK-NEXT: }
// CHECK-NEXT: craft.layer 1 {
// CHECK-NEXT: craft.mlp "twice" hidden 2 fst {(one_2:1, 0): 2.0, (one, 0): -1.0, (one_2:2, 1): 2.0, (one, 1): -1.0} snd {(0, twice): 2.0, (1, twice): 4.0}
// CHECK-NEXT: craft.mlp "twice_2" hidden 2 fst {(one_2:1, 0): 2.0, (one, 0): -1.0, (one_2:2, 1): 2.0, (one, 1): -1.0} snd {(0, twice_2): 2.0, (1, twice_2): 4.0}
// CHECK-NEXT: }
// CHECK-NEXT: craft.layer 2 {
// CHECK-NEXT: craft.mlp "sum" hidden 4 fst {(twice, 0): 1.0, (twice, 1): -1.0, (twice_2, 2): 1.0, (twice_2, 3): -1.0} snd {(0, sum): 1.0, (1, sum): -1.0, (2, sum): 1.0, (3, sum): -1.0}
// CHECK-NEXT: }
// CHECK-NEXT: craft.unembed numerical {none: {sum = 1.0}}
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// A count's scratch direction, <name>.inverse_width, is made unique too: the
// first count "n" finds the numerical lookup "n.inverse_width" and writes to
// n.inverse_width_2; the second, renamed n_2, takes n_2.inverse_width, so the
// lookup "n_2.inverse_width" after it becomes n_2.inverse_width_2.

sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
  %w = sa.lookup "n.inverse_width" %tokens {"a" -> 1, "b" -> 2} : !rasp.sop<numerical> values {1, 2} noise 0.0 layer 0
  %n = sa.count "n" %tokens, %tokens eq sharpness 6.0 margin 0.01 : !rasp.sop<categorical> values {1, 2} noise 0.0 layer 0
  %n_2 = sa.count "n" %n, %n eq sharpness 6.0 margin 0.01 : !rasp.sop<categorical> values {1, 2} noise 0.0 layer 1
  %s = sa.lookup "n_2.inverse_width" %n_2 {1 -> 1, 2 -> 2} : !rasp.sop<numerical> values {1, 2} noise 0.0 layer 2
  %sum = sa.linear "sum" %w, %s factors 1, 1 : !rasp.sop<numerical> values {2, 3, 4} noise 0.0 layer 3
  sa.output %sum : !rasp.sop<numerical>
}

// CHECK: builtin.module {
// CHECK-NEXT: craft.model vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
// CHECK-NEXT: craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "b": {one = 1.0, tokens:"b" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
// CHECK-NEXT: craft.embed positions {0: {}, 1: {}, 2: {}}
// CHECK-NEXT: craft.layer 0 {
// CHECK-NEXT: craft.head "n" qk {(tokens:"a", tokens:"a"): 6.0, (tokens:"b", tokens:"b"): 6.0, (one, tokens:"BOS"): 6.0} ov {(tokens:"BOS", n.inverse_width_2): 1.0}
// CHECK-NEXT: craft.mlp "n.inverse_width" hidden 2 fst {(tokens:"a", 0): 2.0, (one, 0): -1.0, (tokens:"b", 1): 2.0, (one, 1): -1.0} snd {(0, n.inverse_width): 1.0, (1, n.inverse_width): 2.0}
// CHECK-NEXT: craft.mlp "n" hidden 3 fst {(one, 0): 1.0, (tokens:"BOS", 0): -1.0, (n.inverse_width_2, 1): -12.76595744680851, (one, 1): 5.819148936170212, (tokens:"BOS", 1): -19.085106382978722, (n.inverse_width_2, 2): -12.76595744680851, (one, 2): 4.819148936170212, (tokens:"BOS", 2): -19.085106382978722} snd {(0, n:1): 1.0, (1, n:1): -1.0, (1, n:2): 1.0, (2, n:1): 1.0, (2, n:2): -1.0}
// CHECK-NEXT: }
// CHECK-NEXT: craft.layer 1 {
// CHECK-NEXT: craft.head "n_2" qk {(n:1, n:1): 6.0, (n:2, n:2): 6.0, (one, tokens:"BOS"): 6.0} ov {(tokens:"BOS", n_2.inverse_width): 1.0}
// CHECK-NEXT: craft.mlp "n_2" hidden 3 fst {(one, 0): 1.0, (tokens:"BOS", 0): -1.0, (n_2.inverse_width, 1): -12.76595744680851, (one, 1): 5.819148936170212, (tokens:"BOS", 1): -19.085106382978722, (n_2.inverse_width, 2): -12.76595744680851, (one, 2): 4.819148936170212, (tokens:"BOS", 2): -19.085106382978722} snd {(0, n_2:1): 1.0, (1, n_2:1): -1.0, (1, n_2:2): 1.0, (2, n_2:1): 1.0, (2, n_2:2): -1.0}
// CHECK-NEXT: }
// CHECK-NEXT: craft.layer 2 {
// CHECK-NEXT: craft.mlp "n_2.inverse_width_2" hidden 2 fst {(n_2:1, 0): 2.0, (one, 0): -1.0, (n_2:2, 1): 2.0, (one, 1): -1.0} snd {(0, n_2.inverse_width_2): 1.0, (1, n_2.inverse_width_2): 2.0}
// CHECK-NEXT: }
// CHECK-NEXT: craft.layer 3 {
// CHECK-NEXT: craft.mlp "sum" hidden 4 fst {(n.inverse_width, 0): 1.0, (n.inverse_width, 1): -1.0, (n_2.inverse_width_2, 2): 1.0, (n_2.inverse_width_2, 3): -1.0} snd {(0, sum): 1.0, (1, sum): -1.0, (2, sum): 1.0, (3, sum): -1.0}
// CHECK-NEXT: }
// CHECK-NEXT: craft.unembed numerical {none: {sum = 1.0}}
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// A discretising MLP to numbers steps only where the output changes as a
// number: 0 and 0.0 are the same output, so the one step is between 2 and 3
// (threshold 2.5, slope 2 with margin 0), writing the change 1.5. The baseline
// unit writes nothing, the output at the lowest input being 0.

sa.program vocab {1, 2, 3} max_seq_len 2 bos "BOS" pad "PAD" {
  %x = sa.tokens "x" : !rasp.sop<numerical> values {1, 2, 3} noise 0.0
  %d = sa.discretise "d" %x {1 -> 0, 2 -> 0.0, 3 -> 1.5} margin 0.0 : !rasp.sop<numerical> values {0, 0.0, 1.5} noise 0.0 layer 0
  sa.output %d : !rasp.sop<numerical>
}

// CHECK: builtin.module {
// CHECK-NEXT: craft.model vocab {1, 2, 3} max_seq_len 2 bos "BOS" pad "PAD" {
// CHECK-NEXT: craft.embed tokens {1: {one = 1.0, x = 1.0}, 2: {one = 1.0, x = 2.0}, 3: {one = 1.0, x = 3.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
// CHECK-NEXT: craft.embed positions {0: {}, 1: {}, 2: {}}
// CHECK-NEXT: craft.layer 0 {
// CHECK-NEXT: craft.mlp "d" hidden 3 fst {(one, 0): 1.0, (tokens:"BOS", 0): -1.0, (x, 1): 2.0, (one, 1): -4.5, (tokens:"BOS", 1): -8.0, (x, 2): 2.0, (one, 2): -5.5, (tokens:"BOS", 2): -8.0} snd {(1, d): 1.5, (2, d): -1.5}
// CHECK-NEXT: }
// CHECK-NEXT: craft.unembed numerical {none: {d = 1.0}}
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// Only embeddings: a model without layers; PAD none still writes `one`.

sa.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad none {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
  %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1, 2} noise 0.0
  sa.output %indices : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: craft.model vocab {"a", "b"} max_seq_len 3 bos "BOS" pad none {
// CHECK-NEXT: craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "b": {one = 1.0, tokens:"b" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, none: {one = 1.0}}
// CHECK-NEXT: craft.embed positions {0: {}, 1: {indices:0 = 1.0}, 2: {indices:1 = 1.0}, 3: {indices:2 = 1.0}}
// CHECK-NEXT: craft.unembed categorical {0: {indices:0 = 1.0}, 1: {indices:1 = 1.0}, 2: {indices:2 = 1.0}}
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// An unscheduled component is refused.

sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
  %m = sa.lookup "m" %tokens {"a" -> 1, "b" -> 2} : !rasp.sop<categorical> values {1, 2} noise 0.0
  sa.output %m : !rasp.sop<categorical>
}

// CHECK: sa.lookup 'm': has no layer; run schedule-layers first

// -----

// From rasp, through the whole pipeline (PIPE): sort lowers to a pair lookup
// (layer 0), a count over its keys (layer 1: its head scores the six pairs
// k < q) and the head that moves the tokens to their places (layer 2). The
// sharpness and slopes are the ones convert-rasp-to-sa certified. Alone,
// convert-sa-to-craft leaves a rasp program as it is.

rasp.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
  %keys = rasp.sequence_map "keys" %tokens, %indices {(1, 0) -> 1.0, (1, 1) -> 1.5, (2, 0) -> 2.0, (2, 1) -> 2.5} : !rasp.sop<categorical> values {1.0, 1.5, 2.0, 2.5}
  %smaller = rasp.select "smaller" %keys, %keys lt
  %target_pos = rasp.selector_width "target_pos" %smaller : !rasp.sop<categorical> values {0, 1, 2}
  %sel_new = rasp.select "sel_new" %target_pos, %indices eq
  %sort = rasp.aggregate "sort" %sel_new, %tokens default none : !rasp.sop<categorical> values {none, 1, 2}
  rasp.output %sort : !rasp.sop<categorical>
}

// PIPE: craft.model vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
// PIPE-NEXT: craft.embed tokens {1: {one = 1.0, tokens:1 = 1.0}, 2: {one = 1.0, tokens:2 = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
// PIPE-NEXT: craft.embed positions {0: {}, 1: {indices:0 = 1.0}, 2: {indices:1 = 1.0}}
// PIPE-NEXT: craft.layer 0 {
// PIPE-NEXT: craft.mlp "keys" hidden 4 fst {(tokens:1, 0): 2.0, (indices:0, 0): 2.0, (one, 0): -3.0, (tokens:1, 1): 2.0, (indices:1, 1): 2.0, (one, 1): -3.0, (tokens:2, 2): 2.0, (indices:0, 2): 2.0, (one, 2): -3.0, (tokens:2, 3): 2.0, (indices:1, 3): 2.0, (one, 3): -3.0} snd {(0, keys:1.0): 1.0, (1, keys:1.5): 1.0, (2, keys:2.0): 1.0, (3, keys:2.5): 1.0}
// PIPE-NEXT: }
// PIPE-NEXT: craft.layer 1 {
// PIPE-NEXT: craft.head "target_pos" qk {(keys:1.5, keys:1.0): 6.238417669319811, (keys:2.0, keys:1.0): 6.238417669319811, (keys:2.5, keys:1.0): 6.238417669319811, (keys:2.0, keys:1.5): 6.238417669319811, (keys:2.5, keys:1.5): 6.238417669319811, (keys:2.5, keys:2.0): 6.238417669319811, (one, tokens:"BOS"): 6.238417669319811} ov {(tokens:"BOS", target_pos.inverse_width): 1.0}
// PIPE-NEXT: craft.mlp "target_pos" hidden 5 fst {(one, 0): 1.0, (tokens:"BOS", 0): -1.0, (target_pos.inverse_width, 1): -12.287999999999998, (one, 1): 5.619999999999999, (tokens:"BOS", 1): -18.407999999999998, (target_pos.inverse_width, 2): -12.287999999999998, (one, 2): 4.619999999999999, (tokens:"BOS", 2): -18.407999999999998, (target_pos.inverse_width, 3): 4.063492063492063, (one, 3): -2.5476190476190474, (tokens:"BOS", 3): -8.11111111111111, (target_pos.inverse_width, 4): 4.063492063492063, (one, 4): -3.5476190476190474, (tokens:"BOS", 4): -8.11111111111111} snd {(0, target_pos:1): 1.0, (1, target_pos:1): -1.0, (1, target_pos:2): 1.0, (2, target_pos:1): 1.0, (2, target_pos:2): -1.0, (3, target_pos:0): 1.0, (3, target_pos:1): -1.0, (4, target_pos:0): -1.0, (4, target_pos:1): 1.0}
// PIPE-NEXT: }
// PIPE-NEXT: craft.layer 2 {
// PIPE-NEXT: craft.head "sort" qk {(indices:0, target_pos:0): 6.931515040477455, (indices:1, target_pos:1): 6.931515040477455, (one, tokens:"BOS"): 3.4657575202387276} ov {(tokens:1, sort:1): 1.0, (tokens:2, sort:2): 1.0}
// PIPE-NEXT: }
// PIPE-NEXT: craft.unembed categorical {1: {sort:1 = 1.0}, 2: {sort:2 = 1.0}}
// PIPE-NEXT: }
// PIPE-NEXT: }

// CHECK: rasp.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {

// -----

// A selector that selects every pair (here `true`) scores every key from
// `one` alone: its head reads neither tokens nor indices. The count's BOS key
// scores c like the others (one x one = c, nothing more); the mean's BOS key
// scores c/2 (one x one = c, then -c/2 from one x BOS). BOS x BOS = c lifts
// the BOS key above the others at the BOS query, which must read BOS's 0.

sa.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {1, 2} noise 0.0
  %x = sa.tokens "x" : !rasp.sop<numerical> values {1, 2} noise 0.0
  %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1} noise 0.0
  %n = sa.count "n" %tokens, %tokens true sharpness 6.0 margin 0.01 : !rasp.sop<numerical> values {1, 2} noise 0.0 layer 0
  %mean = sa.aggregate "mean" %indices, %tokens, %x true sharpness 8.0 : !rasp.sop<numerical> values {1, 1.5, 2} noise 0.0 layer 0
  sa.output %mean : !rasp.sop<numerical>
}

// CHECK: craft.head "n" qk {(one, one): 6.0, (tokens:"BOS", tokens:"BOS"): 6.0} ov {(tokens:"BOS", n.inverse_width): 1.0}
// CHECK: craft.head "mean" qk {(one, one): 8.0, (one, tokens:"BOS"): -4.0, (tokens:"BOS", tokens:"BOS"): 8.0} ov {(x, mean): 1.0}

// -----

// An aggregate with a default other than none or 0: its head also copies
// `tokens:"BOS"` to the default's encoding (prev:"z" with 1.0; -2 to mean),
// and at the BOS query lifts the BOS key by K + c, K = ln(N/u) = ln(2 * 2^24)
// in float32. A second head, <name>.silence, takes the default off again
// where the query is BOS (BOS scores K there, -K elsewhere), so the value
// stays 0 at BOS. A default 0.0 writes nothing: zero's head is the plain one.

sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
  %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1} noise 0.0
  %x = sa.lookup "x" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1} noise 0.0 layer 0
  %prev = sa.aggregate "prev" %indices, %indices, %tokens {(0, 1)} sharpness 10.0 default "z" : !rasp.sop<categorical> values {"a", "b", "z"} noise 0.0 layer 0
  %mean = sa.aggregate "mean" %indices, %indices, %x lt sharpness 8.0 default -2 : !rasp.sop<numerical> values {-2, 0, 1} noise 0.0 layer 1
  %zero = sa.aggregate "zero" %indices, %indices, %x lt sharpness 8.0 default 0.0 : !rasp.sop<numerical> values {0, 0.0, 1} noise 0.0 layer 1
  sa.output %mean : !rasp.sop<numerical>
}

// CHECK: craft.layer 0 {
// CHECK-NEXT: craft.head "prev" qk {(indices:1, indices:0): 10.0, (one, tokens:"BOS"): 5.0, (tokens:"BOS", tokens:"BOS"): 27.328679513998633} ov {(tokens:"a", prev:"a"): 1.0, (tokens:"b", prev:"b"): 1.0, (tokens:"BOS", prev:"z"): 1.0}
// CHECK-NEXT: craft.head "prev.silence" qk {(one, tokens:"BOS"): -17.328679513998633, (tokens:"BOS", tokens:"BOS"): 34.657359027997266} ov {(tokens:"BOS", prev:"z"): -1.0}
// CHECK-NEXT: craft.mlp "x" hidden 1 fst {(tokens:"a", 0): 2.0, (one, 0): -1.0} snd {(0, x): 1.0}
// CHECK-NEXT: }
// CHECK-NEXT: craft.layer 1 {
// CHECK-NEXT: craft.head "mean" qk {(indices:1, indices:0): 8.0, (one, tokens:"BOS"): 4.0, (tokens:"BOS", tokens:"BOS"): 25.328679513998633} ov {(x, mean): 1.0, (tokens:"BOS", mean): -2.0}
// CHECK-NEXT: craft.head "mean.silence" qk {(one, tokens:"BOS"): -17.328679513998633, (tokens:"BOS", tokens:"BOS"): 34.657359027997266} ov {(tokens:"BOS", mean): 2.0}
// CHECK-NEXT: craft.head "zero" qk {(indices:1, indices:0): 8.0, (one, tokens:"BOS"): 4.0} ov {(x, zero): 1.0}
// CHECK-NEXT: }

// -----

// A max head: keys score beta = c/(2(R + 1)) = 12/6 = 2 per rank of their
// value (tokens:2 one rank, tokens:3 two) from the query's `one`. A min of a
// number: the bonus 2*(3 - x) is affine in x, its offset on `one x one`,
// cancelled on the BOS key together with its c/2 (which the offset supplies).

sa.program vocab {1, 2, 3} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {1, 2, 3} noise 0.0
  %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1} noise 0.0
  %x = sa.tokens "x" : !rasp.sop<numerical> values {1, 2, 3} noise 0.0
  %top = sa.aggregate "top" %indices, %indices, %tokens leq sharpness 12.0 max : !rasp.sop<categorical> values {none, 1, 2, 3} noise 0.01 layer 0
  %low = sa.aggregate "low" %indices, %indices, %x leq sharpness 12.0 min : !rasp.sop<numerical> values {0, 1, 2, 3} noise 0.01 layer 0
  sa.output %low : !rasp.sop<numerical>
}

// CHECK: craft.head "top" qk {(indices:0, indices:0): 12.0, (indices:1, indices:0): 12.0, (indices:1, indices:1): 12.0, (one, tokens:"BOS"): 6.0, (one, tokens:2): 2.0, (one, tokens:3): 4.0} ov {(tokens:1, top:1): 1.0, (tokens:2, top:2): 1.0, (tokens:3, top:3): 1.0}
// CHECK: craft.head "low" qk {(indices:0, indices:0): 12.0, (indices:1, indices:0): 12.0, (indices:1, indices:1): 12.0, (one, x): -2.0, (one, one): 6.0} ov {(x, low): 1.0}

// -----

// A head over a pair whose relation is a conjunction (tokens equal, key index
// below the query's): each term scores c = 8 between its own parts, so a
// selected key scores 16, a key failing one term 8, and BOS (2 - 1/2)c = 12.

sa.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {1, 2} noise 0.0
  %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1} noise 0.0
  %keys = sa.pair "keys" %tokens, %indices : !rasp.sop<categorical> values {(1, 0), (1, 1), (2, 0), (2, 1)} noise 0.0
  %prev = sa.aggregate "prev" %keys, %keys, %tokens {((1, 0), (1, 1)), ((2, 0), (2, 1))} sharpness 8.0 : !rasp.sop<categorical> values {none, 1, 2} noise 0.01 layer 0
  sa.output %prev : !rasp.sop<categorical>
}

// CHECK: craft.head "prev" qk {(tokens:1, tokens:1): 8.0, (tokens:2, tokens:2): 8.0, (indices:1, indices:0): 8.0, (one, tokens:"BOS"): 12.0} ov {(tokens:1, prev:1): 1.0, (tokens:2, prev:2): 1.0}
