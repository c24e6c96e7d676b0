// RUN: raspir-opt %s --split-input-file -p canonicalize | filecheck %s --match-full-lines
// RUN: raspir-opt %s --split-input-file -p canonicalize,cse | filecheck %s --match-full-lines --check-prefix=CSE

// The rasp ops have no folders or patterns of their own: canonicalize leaves a
// program whose every op is live exactly as it was, and only removes dead ops.

// Lib programs come back byte-identical.
// RUN: raspir ir raspir.testing.library:sort_freq --vocab a,b,c --max-seq-len 5 > %t.sort_freq.mlir
// RUN: raspir-opt %t.sort_freq.mlir -p canonicalize | diff %t.sort_freq.mlir -
// RUN: raspir ir raspir.testing.library:shuffle_dyck2 --vocab "(,),{,}" --max-seq-len 4 --causal > %t.dyck2.mlir
// RUN: raspir-opt %t.dyck2.mlir -p canonicalize | diff %t.dyck2.mlir -

rasp.program vocab {"(", ")", "x"} max_seq_len 3 bos "BOS" pad "PAD" causal attributes {source = "inline"} {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"(", ")", "x"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  %length = rasp.length "length" : !rasp.sop<categorical> values {1, 2, 3}
  %one = rasp.full "one" fill 1 : !rasp.sop<categorical> values {1}
  %weights = rasp.constant "weights" [1, 2, 3] : !rasp.sop<categorical> values {1, 2, 3}
  %delta = rasp.map "delta" %tokens {"(" -> 1, ")" -> -1, "x" -> error} : !rasp.sop<numerical> values {-1, 1}
  %prevs = rasp.select "prevs" %indices, %indices leq
  %near = rasp.select "near" %indices, %length {(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)}
  %both = rasp.select_and "both" %prevs, %near
  %wide = rasp.select_or "wide" %both, %prevs
  %none = rasp.select_not "none" %wide
  %bal = rasp.aggregate "bal" %both, %delta default 0 : !rasp.sop<numerical> values {-1, -0.5, 0, 0.5, 1}
  %count = rasp.selector_width "count" %none : !rasp.sop<categorical> values {0, 1, 2, 3}
  %pos = rasp.sequence_map "pos" %count, %weights {(0, 1) -> 1, (0, 2) -> 2, (0, 3) -> 3, (1, 1) -> 2, (1, 2) -> 3, (1, 3) -> 4, (2, 1) -> 3, (2, 2) -> 4, (2, 3) -> 5, (3, 1) -> 4, (3, 2) -> 5, (3, 3) -> 6} : !rasp.sop<categorical> values {1, 2, 3, 4, 5, 6}
  %shift = rasp.sequence_map "shift" %pos, %one {(1, 1) -> 0, (2, 1) -> 1, (3, 1) -> 2, (4, 1) -> 3, (5, 1) -> 4, (6, 1) -> 5} : !rasp.sop<numerical> values {0, 1, 2, 3, 4, 5}
  %out = rasp.linear_sequence_map "out" %bal, %shift factors 2, -1 : !rasp.sop<numerical> values {-7, -6, -5, -4, -3, -2, -1, 0, 1, 2}
  rasp.output %out : !rasp.sop<numerical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"(", ")", "x"} max_seq_len 3 bos "BOS" pad "PAD" causal attributes {source = "inline"} {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"(", ")", "x"}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %length = rasp.length "length" : !rasp.sop<categorical> values {1, 2, 3}
// CHECK-NEXT: %one = rasp.full "one" fill 1 : !rasp.sop<categorical> values {1}
// CHECK-NEXT: %weights = rasp.constant "weights" [1, 2, 3] : !rasp.sop<categorical> values {1, 2, 3}
// CHECK-NEXT: %delta = rasp.map "delta" %tokens {"(" -> 1, ")" -> -1, "x" -> error} : !rasp.sop<numerical> values {-1, 1}
// CHECK-NEXT: %prevs = rasp.select "prevs" %indices, %indices leq
// CHECK-NEXT: %near = rasp.select "near" %indices, %length {(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)}
// CHECK-NEXT: %both = rasp.select_and "both" %prevs, %near
// CHECK-NEXT: %wide = rasp.select_or "wide" %both, %prevs
// CHECK-NEXT: %none = rasp.select_not "none" %wide
// CHECK-NEXT: %bal = rasp.aggregate "bal" %both, %delta default 0 : !rasp.sop<numerical> values {-1, -0.5, 0, 0.5, 1}
// CHECK-NEXT: %count = rasp.selector_width "count" %none : !rasp.sop<categorical> values {0, 1, 2, 3}
// CHECK-NEXT: %pos = rasp.sequence_map "pos" %count, %weights {(0, 1) -> 1, (0, 2) -> 2, (0, 3) -> 3, (1, 1) -> 2, (1, 2) -> 3, (1, 3) -> 4, (2, 1) -> 3, (2, 2) -> 4, (2, 3) -> 5, (3, 1) -> 4, (3, 2) -> 5, (3, 3) -> 6} : !rasp.sop<categorical> values {1, 2, 3, 4, 5, 6}
// CHECK-NEXT: %shift = rasp.sequence_map "shift" %pos, %one {(1, 1) -> 0, (2, 1) -> 1, (3, 1) -> 2, (4, 1) -> 3, (5, 1) -> 4, (6, 1) -> 5} : !rasp.sop<numerical> values {0, 1, 2, 3, 4, 5}
// CHECK-NEXT: %out = rasp.linear_sequence_map "out" %bal, %shift factors 2, -1 : !rasp.sop<numerical> values {-7, -6, -5, -4, -3, -2, -1, 0, 1, 2}
// CHECK-NEXT: rasp.output %out : !rasp.sop<numerical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// Dead ops go (unused, unused_sel, indices); live duplicates stay until cse.

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
  %m1 = rasp.map "flip" %tokens {"a" -> "b", "b" -> "a"} : !rasp.sop<categorical> values {"a", "b"}
  %m2 = rasp.map "flip" %tokens {"a" -> "b", "b" -> "a"} : !rasp.sop<categorical> values {"a", "b"}
  %unused = rasp.map "unused" %m1 {"a" -> 0, "b" -> 1} : !rasp.sop<categorical> values {0, 1}
  %sel = rasp.select "same" %m1, %m2 eq
  %unused_sel = rasp.select_not "unused_sel" %sel
  %w = rasp.selector_width "w" %sel : !rasp.sop<categorical> values {0, 1, 2}
  rasp.output %w : !rasp.sop<categorical>
}

// CHECK: {{//}} -----
// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %m1 = rasp.map "flip" %tokens {"a" -> "b", "b" -> "a"} : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %m2 = rasp.map "flip" %tokens {"a" -> "b", "b" -> "a"} : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %sel = rasp.select "same" %m1, %m2 eq
// CHECK-NEXT: %w = rasp.selector_width "w" %sel : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: rasp.output %w : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// CSE: {{//}} -----
// CSE: builtin.module {
// CSE-NEXT: rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
// CSE-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CSE-NEXT: %m1 = rasp.map "flip" %tokens {"a" -> "b", "b" -> "a"} : !rasp.sop<categorical> values {"a", "b"}
// CSE-NEXT: %sel = rasp.select "same" %m1, %m1 eq
// CSE-NEXT: %w = rasp.selector_width "w" %sel : !rasp.sop<categorical> values {0, 1, 2}
// CSE-NEXT: rasp.output %w : !rasp.sop<categorical>
// CSE-NEXT: }
// CSE-NEXT: }
