// RUN: raspir-opt %s --split-input-file --verify-diagnostics -p convert-rasp-to-sa | filecheck %s --match-full-lines --check-prefixes=SA,BOTH
// RUN: raspir-opt %s --split-input-file --verify-diagnostics -p convert-sa-to-craft | filecheck %s --match-full-lines --check-prefixes=CRAFT,BOTH

// Quadratic heads: an `eq` select with a numerical side (docs/constructions.md,
// "Quadratic head"). Each pass leaves the other level's programs alone, so the
// rasp chunk is checked after convert-rasp-to-sa (SA) and the sa chunks after
// convert-sa-to-craft (CRAFT); the invalid chunks fail to verify under both.

// == rasp -> sa ==

// The keys are the categorical indices, the query is target, a numerical map
// of the tokens (rasp-choose-encodings picks this; here it is written by
// hand). The select disappears into the head as everywhere; the head's query
// is numerical (the head is quadratic) and keeps its predicate `eq`. The
// lookup "target" is a categorical -> numerical lookup as for any numerical
// map.

rasp.program vocab {"a", "b", "c"} max_seq_len 4 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2, 3}
  %target = rasp.map "target" %tokens {"a" -> 0, "b" -> 1, "c" -> 3} : !rasp.sop<numerical> values {0, 1, 3}
  %at = rasp.select "at" %indices, %target eq
  %pick = rasp.aggregate "pick" %at, %tokens default none : !rasp.sop<categorical> values {none, "a", "b", "c"}
  rasp.output %pick : !rasp.sop<categorical>
}

// SA: sa.program vocab {"a", "b", "c"} max_seq_len 4 bos "BOS" pad "PAD" {
// SA-NEXT: %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"} noise 0.0
// SA-NEXT: %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1, 2, 3} noise 0.0
// SA-NEXT: %target = sa.lookup "target" %tokens {"a" -> 0, "b" -> 1, "c" -> 3} : !rasp.sop<numerical> values {0, 1, 3} noise 1.7881393432617188e-07
// SA-NEXT: %pick = sa.aggregate "pick" %indices, %target, %tokens eq sharpness 7.742751995171775 : !rasp.sop<categorical> values {none, "a", "b", "c"} noise 0.1250002980232239
// SA-NEXT: sa.output %pick : !rasp.sop<categorical>
// SA-NEXT: }
// SA-NEXT: }

// -----

// == sa -> craft ==

// Sharpness c = 8 everywhere. key (categorical) and kn (numerical) hold the
// same values {0, 2, 4}, q (numerical) {2, 4, 6}: the smallest (q - k)^2
// between unequal values is g^2 = 4, so c/g^2 = 2. A head scores
// c(1 - (q - k)^2/g^2) = 8 - 2(q - k)^2: 8 where k = q, at most 0 elsewhere.
// Dropping the terms of the query alone (8 - 2q^2, which softmax ignores),
// that is the bilinear form 4qk - 2k^2 for a key k and, for the BOS key,
// (c/g^2)q^2 + (b - 1)c = 2q^2 - 4 for an aggregate (b = 1/2: BOS scores
// 2q^2 - 4 + 8 - 2q^2 = 4 = c/2 in full) and 2q^2 for a count (b = 1: BOS
// scores c, like a selected key).
//
// pick (aggregate, numerical query q, categorical keys key:k weighted by k):
//   (q, key:k)        2(c/g^2)·k  = 4k:   key:2 -> 8,  key:4 -> 16
//   (one, key:k)      -(c/g^2)·k^2 = -2k^2: key:2 -> -8, key:4 -> -32
//                     (key:0 weighs 0 on both: no entry)
//   ("q^2", BOS)      c/g^2        = 2
//   (one, BOS)        (b - 1)c     = -4
//   (BOS, BOS)        c            = 8   (the BOS query, whose q and q^2 are
//                     0, scores BOS -4 + 8 = 4 and every key -2k^2 <= 0)
// both (aggregate, numerical q and kn): (q, kn) = 2(c/g^2) = 4,
//   (one, "kn^2") = -(c/g^2) = -2, and the same three BOS entries.
// n (count, b = 1): (one, BOS) = (1 - 1)c = 0, so no entry; the rest as in
//   `both`; its MLP is the usual count MLP over 1/(w + 1).
//
// The producers of numerical sides write the square beside the number through
// the same units: "q" writes q = 2, 4, 6 and "q^2" = 4, 16, 36 from its three
// units; "kn" writes kn = 2, 4 and "kn^2" = 4, 16 (its 0 needs no unit). The
// categorical "key" writes its one-hots and no square.

sa.program vocab {"a", "b", "c"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"} noise 0.0
  %key = sa.lookup "key" %tokens {"a" -> 0, "b" -> 2, "c" -> 4} : !rasp.sop<categorical> values {0, 2, 4} noise 0.0 layer 0
  %kn = sa.lookup "kn" %tokens {"a" -> 0, "b" -> 2, "c" -> 4} : !rasp.sop<numerical> values {0, 2, 4} noise 0.0 layer 0
  %q = sa.lookup "q" %tokens {"a" -> 2, "b" -> 4, "c" -> 6} : !rasp.sop<numerical> values {2, 4, 6} noise 0.0 layer 0
  %pick = sa.aggregate "pick" %key, %q, %tokens eq sharpness 8.0 : !rasp.sop<categorical> values {none, "a", "b", "c"} noise 0.0 layer 1
  %n = sa.count "n" %kn, %q eq sharpness 8.0 margin 0.01 : !rasp.sop<categorical> values {0, 1, 2, 3} noise 0.0 layer 1
  %both = sa.aggregate "both" %kn, %q, %pick eq sharpness 8.0 : !rasp.sop<categorical> values {none, "a", "b", "c"} noise 0.0 layer 2
  sa.output %both : !rasp.sop<categorical>
}

// CRAFT: craft.model vocab {"a", "b", "c"} max_seq_len 3 bos "BOS" pad "PAD" {
// CRAFT-NEXT: craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "b": {one = 1.0, tokens:"b" = 1.0}, "c": {one = 1.0, tokens:"c" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
// CRAFT-NEXT: craft.embed positions {0: {}, 1: {}, 2: {}, 3: {}}
// CRAFT-NEXT: craft.layer 0 {
// CRAFT-NEXT: craft.mlp "key" hidden 3 fst {(tokens:"a", 0): 2.0, (one, 0): -1.0, (tokens:"b", 1): 2.0, (one, 1): -1.0, (tokens:"c", 2): 2.0, (one, 2): -1.0} snd {(0, key:0): 1.0, (1, key:2): 1.0, (2, key:4): 1.0}
// CRAFT-NEXT: craft.mlp "kn" hidden 2 fst {(tokens:"b", 0): 2.0, (one, 0): -1.0, (tokens:"c", 1): 2.0, (one, 1): -1.0} snd {(0, kn): 2.0, (0, "kn^2"): 4.0, (1, kn): 4.0, (1, "kn^2"): 16.0}
// CRAFT-NEXT: craft.mlp "q" hidden 3 fst {(tokens:"a", 0): 2.0, (one, 0): -1.0, (tokens:"b", 1): 2.0, (one, 1): -1.0, (tokens:"c", 2): 2.0, (one, 2): -1.0} snd {(0, q): 2.0, (0, "q^2"): 4.0, (1, q): 4.0, (1, "q^2"): 16.0, (2, q): 6.0, (2, "q^2"): 36.0}
// CRAFT-NEXT: }
// CRAFT-NEXT: craft.layer 1 {
// CRAFT-NEXT: craft.head "pick" qk {(q, key:2): 8.0, (q, key:4): 16.0, (one, key:2): -8.0, (one, key:4): -32.0, ("q^2", tokens:"BOS"): 2.0, (one, tokens:"BOS"): -4.0, (tokens:"BOS", tokens:"BOS"): 8.0} ov {(tokens:"a", pick:"a"): 1.0, (tokens:"b", pick:"b"): 1.0, (tokens:"c", pick:"c"): 1.0}
// CRAFT-NEXT: craft.head "n" qk {(q, kn): 4.0, (one, "kn^2"): -2.0, ("q^2", tokens:"BOS"): 2.0, (tokens:"BOS", tokens:"BOS"): 8.0} ov {(tokens:"BOS", n.inverse_width): 1.0}
// CRAFT-NEXT: craft.mlp "n" hidden 7 fst {(one, 0): 1.0, (tokens:"BOS", 0): -1.0, (n.inverse_width, 1): -26.086956521739136, (one, 1): 8.108695652173914, (tokens:"BOS", 1): -34.69565217391305, (n.inverse_width, 2): -26.086956521739136, (one, 2): 7.108695652173914, (tokens:"BOS", 2): -34.69565217391305, (n.inverse_width, 3): -12.76595744680851, (one, 3): 5.819148936170212, (tokens:"BOS", 3): -19.085106382978722, (n.inverse_width, 4): -12.76595744680851, (one, 4): 4.819148936170212, (tokens:"BOS", 4): -19.085106382978722, (n.inverse_width, 5): 4.166666666666667, (one, 5): -2.625, (tokens:"BOS", 5): -8.291666666666668, (n.inverse_width, 6): 4.166666666666667, (one, 6): -3.625, (tokens:"BOS", 6): -8.291666666666668} snd {(0, n:1): 1.0, (1, n:2): -1.0, (1, n:3): 1.0, (2, n:2): 1.0, (2, n:3): -1.0, (3, n:1): -1.0, (3, n:2): 1.0, (4, n:1): 1.0, (4, n:2): -1.0, (5, n:0): 1.0, (5, n:1): -1.0, (6, n:0): -1.0, (6, n:1): 1.0}
// CRAFT-NEXT: }
// CRAFT-NEXT: craft.layer 2 {
// CRAFT-NEXT: craft.head "both" qk {(q, kn): 4.0, (one, "kn^2"): -2.0, ("q^2", tokens:"BOS"): 2.0, (one, tokens:"BOS"): -4.0, (tokens:"BOS", tokens:"BOS"): 8.0} ov {(pick:"a", both:"a"): 1.0, (pick:"b", both:"b"): 1.0, (pick:"c", both:"c"): 1.0}
// CRAFT-NEXT: }
// CRAFT-NEXT: craft.unembed categorical {"a": {both:"a" = 1.0}, "b": {both:"b" = 1.0}, "c": {both:"c" = 1.0}}
// CRAFT-NEXT: }
// CRAFT-NEXT: }

// -----

// A function of the position, sa.position_map, is written by the position
// embedding (no MLP, no layer): at position i + 1 the value table[i], nothing
// at BOS (position 0) and nothing where the table holds none, error or a
// numerical 0. prev (numerical, -1, 0, 1) is the query of a quadratic head,
// so the embedding writes "prev^2" beside it, as it writes "indices^2" beside
// the numerical indices (the keys). parity (categorical) writes its one-hot
// parity:"even" at positions 1 and 3 and nothing at 2 (none). odd is 1 at
// index 1 only (error elsewhere), x takes fractional values.
//
// back: keys indices {0, 1, 2}, queries prev {-1, 0, 1}, g^2 = 1: (prev,
// indices) = 2c = 16, (one, "indices^2") = -c = -8, ("prev^2", BOS) = c = 8,
// (one, BOS) = -c/2 = -4, (BOS, BOS) = 8. same is an ordinary one-hot head.

sa.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
  %indices = sa.indices "indices" : !rasp.sop<numerical> values {0, 1, 2} noise 0.0
  %prev = sa.position_map "prev" {0 -> -1, 1 -> 0, 2 -> 1} : !rasp.sop<numerical> values {-1, 0, 1} noise 0.0
  %parity = sa.position_map "parity" {0 -> "even", 1 -> none, 2 -> "even"} : !rasp.sop<categorical> values {none, "even"} noise 0.0
  %odd = sa.position_map "odd" {0 -> error, 1 -> 1, 2 -> error} : !rasp.sop<numerical> values {1} noise 0.0
  %x = sa.position_map "x" {0 -> 0.5, 1 -> 0, 2 -> 2.5} : !rasp.sop<numerical> values {0, 0.5, 2.5} noise 0.0
  %back = sa.aggregate "back" %indices, %prev, %tokens eq sharpness 8.0 : !rasp.sop<categorical> values {none, "a", "b"} noise 0.0 layer 0
  %same = sa.aggregate "same" %parity, %parity, %back eq sharpness 8.0 : !rasp.sop<categorical> values {none, "a", "b"} noise 0.0 layer 1
  %s = sa.linear "s" %odd, %x factors 1, 1 : !rasp.sop<numerical> values {0.5, 1, 2.5} noise 0.0 layer 0
  sa.output %same : !rasp.sop<categorical>
}

// CRAFT: craft.model vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
// CRAFT-NEXT: craft.embed tokens {"a": {one = 1.0, tokens:"a" = 1.0}, "b": {one = 1.0, tokens:"b" = 1.0}, "BOS": {one = 1.0, tokens:"BOS" = 1.0}, "PAD": {one = 1.0}}
// CRAFT-NEXT: craft.embed positions {0: {}, 1: {prev = -1.0, "prev^2" = 1.0, parity:"even" = 1.0, x = 0.5}, 2: {indices = 1.0, "indices^2" = 1.0, odd = 1.0}, 3: {indices = 2.0, "indices^2" = 4.0, prev = 1.0, "prev^2" = 1.0, parity:"even" = 1.0, x = 2.5}}
// CRAFT-NEXT: craft.layer 0 {
// CRAFT-NEXT: craft.head "back" qk {(prev, indices): 16.0, (one, "indices^2"): -8.0, ("prev^2", tokens:"BOS"): 8.0, (one, tokens:"BOS"): -4.0, (tokens:"BOS", tokens:"BOS"): 8.0} ov {(tokens:"a", back:"a"): 1.0, (tokens:"b", back:"b"): 1.0}
// CRAFT-NEXT: craft.mlp "s" hidden 4 fst {(odd, 0): 1.0, (odd, 1): -1.0, (x, 2): 1.0, (x, 3): -1.0} snd {(0, s): 1.0, (1, s): -1.0, (2, s): 1.0, (3, s): -1.0}
// CRAFT-NEXT: }
// CRAFT-NEXT: craft.layer 1 {
// CRAFT-NEXT: craft.head "same" qk {(parity:"even", parity:"even"): 8.0, (one, tokens:"BOS"): 4.0} ov {(back:"a", same:"a"): 1.0, (back:"b", same:"b"): 1.0}
// CRAFT-NEXT: }
// CRAFT-NEXT: craft.unembed categorical {"a": {same:"a" = 1.0}, "b": {same:"b" = 1.0}}
// CRAFT-NEXT: }
// CRAFT-NEXT: }

// -----

// == Invalid quadratic heads ==

// A numerical side is compared by `eq` only: a quadratic score tells equal
// from unequal, not order.

sa.program vocab {1, 2} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {1, 2} noise 0.0
  %x = sa.tokens "x" : !rasp.sop<numerical> values {1, 2} noise 0.0
  %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1, 2} noise 0.0
  %h = sa.aggregate "h" %indices, %x, %tokens lt sharpness 8.0 : !rasp.sop<categorical> values {none, 1, 2} noise 0.0 layer 0
  sa.output %h : !rasp.sop<categorical>
}
// BOTH: sa.aggregate 'h': numerical keys or queries need the predicate eq (a quadratic score)

// -----

// Both sides of a quadratic head hold finite numbers, the categorical one
// too: none has no number to compare.

sa.program vocab {1, 2} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {1, 2} noise 0.0
  %x = sa.tokens "x" : !rasp.sop<numerical> values {1, 2} noise 0.0
  %name = sa.lookup "name" %tokens {1 -> none, 2 -> 5} : !rasp.sop<categorical> values {none, 5} noise 0.0 layer 0
  %h = sa.aggregate "h" %name, %x, %tokens eq sharpness 8.0 : !rasp.sop<categorical> values {none, 1, 2} noise 0.0 layer 1
  sa.output %h : !rasp.sop<categorical>
}
// BOTH: sa.aggregate 'h': a quadratic head needs finite numbers, but a key value is none
