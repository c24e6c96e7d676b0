// RUN: raspir-opt %s --split-input-file -p convert-rasp-to-sa,schedule-layers | filecheck %s --match-full-lines

// Layer L is an attention sub-layer then an MLP sub-layer. convert-rasp-to-sa
// leaves the hand-written sa programs as they are and lowers the last chunk.

// Scheduling again changes nothing.
// RUN: raspir-opt %s --split-input-file -p convert-rasp-to-sa,schedule-layers -o %t.once.mlir
// RUN: raspir-opt %t.once.mlir --split-input-file -p schedule-layers -o %t.twice.mlir
// RUN: diff %t.once.mlir %t.twice.mlir

// Every kind of component. Embeddings are ready before layer 0 and get no layer
// (a stale one is dropped); other stale layers are overwritten. Layer 0: MLPs
// and heads on embeddings (is_a, prev, the count hist) and an MLP reading a head
// of its own layer (upper). Layer 1: a head reading a layer-0 MLP (frac), an MLP
// reading that head (diff), a count reading a layer-0 MLP (same_upper) and an
// MLP reading a layer-0 count (pair). Layer 2: an MLP after a layer-1 MLP (sign)
// and a head reading a layer-1 count (pick), ready only after that layer's MLP.

sa.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0 layer 5
  %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1, 2} noise 0.0
  %one = sa.full "one" fill 1 : !rasp.sop<numerical> values {1} noise 0.0
  %is_a = sa.lookup "is_a" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1} noise 0.0 layer 9
  %prev = sa.aggregate "prev" %indices, %indices, %tokens {(0, 1), (1, 2)} sharpness 10.0 : !rasp.sop<categorical> values {none, "a", "b"} noise 0.0
  %upper = sa.lookup "upper" %prev {none -> none, "a" -> "A", "b" -> "B"} : !rasp.sop<categorical> values {none, "A", "B"} noise 0.0
  %frac = sa.aggregate "frac" %indices, %indices, %is_a leq sharpness 10.0 : !rasp.sop<numerical> values {0, 0.5, 1} noise 0.0
  %hist = sa.count "hist" %tokens, %tokens eq sharpness 10.0 margin 0.01 : !rasp.sop<categorical> values {1, 2, 3} noise 0.0
  %same_upper = sa.count "same_upper" %upper, %upper eq sharpness 10.0 margin 0.01 : !rasp.sop<categorical> values {0, 1, 2, 3} noise 0.0 layer 0
  %pair = sa.pair_lookup "pair" %hist, %upper {(1, none) -> none, (1, "A") -> 1, (1, "B") -> 1, (2, none) -> none, (2, "A") -> 2, (2, "B") -> 2, (3, none) -> none, (3, "A") -> 3, (3, "B") -> 3} : !rasp.sop<categorical> values {none, 1, 2, 3} noise 0.0
  %diff = sa.linear "diff" %frac, %one factors 1, -1 : !rasp.sop<numerical> values {-1, -0.5, 0} noise 0.0
  %sign = sa.discretise "sign" %diff {-1 -> "neg", -0.5 -> "neg", 0 -> "zero"} margin 0.1 : !rasp.sop<categorical> values {"neg", "zero"} noise 0.0
  %pick = sa.aggregate "pick" %same_upper, %indices, %tokens eq sharpness 10.0 : !rasp.sop<categorical> values {none, "a", "b"} noise 0.0
  sa.output %pick : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: sa.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
// CHECK-NEXT: %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1, 2} noise 0.0
// CHECK-NEXT: %one = sa.full "one" fill 1 : !rasp.sop<numerical> values {1} noise 0.0
// CHECK-NEXT: %is_a = sa.lookup "is_a" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1} noise 0.0 layer 0
// CHECK-NEXT: %prev = sa.aggregate "prev" %indices, %indices, %tokens {(0, 1), (1, 2)} sharpness 10.0 : !rasp.sop<categorical> values {none, "a", "b"} noise 0.0 layer 0
// CHECK-NEXT: %upper = sa.lookup "upper" %prev {none -> none, "a" -> "A", "b" -> "B"} : !rasp.sop<categorical> values {none, "A", "B"} noise 0.0 layer 0
// CHECK-NEXT: %frac = sa.aggregate "frac" %indices, %indices, %is_a leq sharpness 10.0 : !rasp.sop<numerical> values {0, 0.5, 1} noise 0.0 layer 1
// CHECK-NEXT: %hist = sa.count "hist" %tokens, %tokens eq sharpness 10.0 margin 0.01 : !rasp.sop<categorical> values {1, 2, 3} noise 0.0 layer 0
// CHECK-NEXT: %same_upper = sa.count "same_upper" %upper, %upper eq sharpness 10.0 margin 0.01 : !rasp.sop<categorical> values {0, 1, 2, 3} noise 0.0 layer 1
// CHECK-NEXT: %pair = sa.pair_lookup "pair" %hist, %upper {(1, none) -> none, (1, "A") -> 1, (1, "B") -> 1, (2, none) -> none, (2, "A") -> 2, (2, "B") -> 2, (3, none) -> none, (3, "A") -> 3, (3, "B") -> 3} : !rasp.sop<categorical> values {none, 1, 2, 3} noise 0.0 layer 1
// CHECK-NEXT: %diff = sa.linear "diff" %frac, %one factors 1, -1 : !rasp.sop<numerical> values {-1, -0.5, 0} noise 0.0 layer 1
// CHECK-NEXT: %sign = sa.discretise "sign" %diff {-1 -> "neg", -0.5 -> "neg", 0 -> "zero"} margin 0.1 : !rasp.sop<categorical> values {"neg", "zero"} noise 0.0 layer 2
// CHECK-NEXT: %pick = sa.aggregate "pick" %same_upper, %indices, %tokens eq sharpness 10.0 : !rasp.sop<categorical> values {none, "a", "b"} noise 0.0 layer 2
// CHECK-NEXT: sa.output %pick : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// MLPs run only in MLP sub-layers, so a chain of k MLPs needs k layers and no
// more (m1, m2, m3); a head and an MLP alternate within one layer (a1, b1, then
// a2, b2).

sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
  %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1} noise 0.0
  %m1 = sa.lookup "m1" %tokens {"a" -> 1, "b" -> 2} : !rasp.sop<categorical> values {1, 2} noise 0.0
  %m2 = sa.lookup "m2" %m1 {1 -> 2, 2 -> 3} : !rasp.sop<categorical> values {2, 3} noise 0.0
  %m3 = sa.pair_lookup "m3" %m2, %indices {(2, 0) -> 2, (2, 1) -> 3, (3, 0) -> 3, (3, 1) -> 4} : !rasp.sop<categorical> values {2, 3, 4} noise 0.0
  %a1 = sa.aggregate "a1" %indices, %indices, %tokens eq sharpness 10.0 : !rasp.sop<categorical> values {none, "a", "b"} noise 0.0
  %b1 = sa.lookup "b1" %a1 {none -> none, "a" -> 0, "b" -> 1} : !rasp.sop<categorical> values {none, 0, 1} noise 0.0
  %a2 = sa.aggregate "a2" %indices, %b1, %tokens eq sharpness 10.0 : !rasp.sop<categorical> values {none, "a", "b"} noise 0.0
  %b2 = sa.lookup "b2" %a2 {none -> none, "a" -> 0, "b" -> 1} : !rasp.sop<categorical> values {none, 0, 1} noise 0.0
  sa.output %m3 : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
// CHECK-NEXT: %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1} noise 0.0
// CHECK-NEXT: %m1 = sa.lookup "m1" %tokens {"a" -> 1, "b" -> 2} : !rasp.sop<categorical> values {1, 2} noise 0.0 layer 0
// CHECK-NEXT: %m2 = sa.lookup "m2" %m1 {1 -> 2, 2 -> 3} : !rasp.sop<categorical> values {2, 3} noise 0.0 layer 1
// CHECK-NEXT: %m3 = sa.pair_lookup "m3" %m2, %indices {(2, 0) -> 2, (2, 1) -> 3, (3, 0) -> 3, (3, 1) -> 4} : !rasp.sop<categorical> values {2, 3, 4} noise 0.0 layer 2
// CHECK-NEXT: %a1 = sa.aggregate "a1" %indices, %indices, %tokens eq sharpness 10.0 : !rasp.sop<categorical> values {none, "a", "b"} noise 0.0 layer 0
// CHECK-NEXT: %b1 = sa.lookup "b1" %a1 {none -> none, "a" -> 0, "b" -> 1} : !rasp.sop<categorical> values {none, 0, 1} noise 0.0 layer 0
// CHECK-NEXT: %a2 = sa.aggregate "a2" %indices, %b1, %tokens eq sharpness 10.0 : !rasp.sop<categorical> values {none, "a", "b"} noise 0.0 layer 1
// CHECK-NEXT: %b2 = sa.lookup "b2" %a2 {none -> none, "a" -> 0, "b" -> 1} : !rasp.sop<categorical> values {none, 0, 1} noise 0.0 layer 1
// CHECK-NEXT: sa.output %m3 : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// Only embeddings: no component gets a layer.

sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0 layer 2
  %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1} noise 0.0
  sa.output %indices : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
// CHECK-NEXT: %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1} noise 0.0
// CHECK-NEXT: sa.output %indices : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// From rasp: sort lowers to a pair lookup (layer 0), a count over it (layer 1:
// its head needs the MLP's result) and the head that moves the tokens (layer 2).

rasp.program vocab {1, 2, 3} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2, 3}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  %keys = rasp.sequence_map "keys" %tokens, %indices {(1, 0) -> 1.0, (1, 1) -> 1.125, (1, 2) -> 1.25, (2, 0) -> 2.0, (2, 1) -> 2.125, (2, 2) -> 2.25, (3, 0) -> 3.0, (3, 1) -> 3.125, (3, 2) -> 3.25} : !rasp.sop<categorical> values {1.0, 1.125, 1.25, 2.0, 2.125, 2.25, 3.0, 3.125, 3.25}
  %smaller = rasp.select "smaller" %keys, %keys lt
  %target_pos = rasp.selector_width "target_pos" %smaller : !rasp.sop<categorical> values {0, 1, 2, 3}
  %sel_new = rasp.select "sel_new" %target_pos, %indices eq
  %sort = rasp.aggregate "sort" %sel_new, %tokens default none : !rasp.sop<categorical> values {none, 1, 2, 3}
  rasp.output %sort : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: sa.program vocab {1, 2, 3} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {1, 2, 3} noise 0.0
// CHECK-NEXT: %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1, 2} noise 0.0
// CHECK-NEXT: %keys = sa.pair_lookup "keys" %tokens, %indices {(1, 0) -> 1.0, (1, 1) -> 1.125, (1, 2) -> 1.25, (2, 0) -> 2.0, (2, 1) -> 2.125, (2, 2) -> 2.25, (3, 0) -> 3.0, (3, 1) -> 3.125, (3, 2) -> 3.25} : !rasp.sop<categorical> values {1.0, 1.125, 1.25, 2.0, 2.125, 2.25, 3.0, 3.125, 3.25} noise 5.960464477539063e-08 layer 0
// CHECK-NEXT: %target_pos = sa.count "target_pos" %keys, %keys lt sharpness 6.867087521236521 margin 0.003125000000000001 : !rasp.sop<categorical> values {0, 1, 2, 3} noise 6.070902938257142e-07 layer 1
// CHECK-NEXT: %sort = sa.aggregate "sort" %target_pos, %indices, %tokens eq sharpness 7.377834387115111 : !rasp.sop<categorical> values {none, 1, 2, 3} noise 0.1250002384185791 layer 2
// CHECK-NEXT: sa.output %sort : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// == narrow=true: the same depth, a narrower residual ==
//
// Inputs/narrow.mlir: `code` (7 one-hot values) is a lookup of the tokens read
// only by `out` in layer 2; the tokens stay live to the end anyway (`final`
// reads them in layer 3). ASAP computes `code` in layer 0, where its 7
// directions then wait two sub-layers; narrow moves it to layer 1, the last
// MLP before its reader, which shortens its life and lengthens no other (the
// tokens are live to layer 3 either way). `isa` does not move: its reader is
// in layer 1. The depth (4) is ASAP's.
// RUN: raspir-opt %inputs/narrow.mlir -p 'convert-rasp-to-sa,schedule-layers' | filecheck %s --check-prefix=ASAP
// ASAP: %code = sa.lookup "code" {{.*}} layer 0
// ASAP: %final = sa.pair_lookup "final" {{.*}} layer 3
// RUN: raspir-opt %inputs/narrow.mlir -p 'convert-rasp-to-sa,schedule-layers{narrow=true}' | filecheck %s --check-prefix=NARROW
// NARROW: %isa = sa.lookup "isa" {{.*}} layer 0
// NARROW: %code = sa.lookup "code" {{.*}} layer 1
// NARROW: %out = sa.pair_lookup "out" {{.*}} layer 2
// NARROW: %final = sa.pair_lookup "final" {{.*}} layer 3
