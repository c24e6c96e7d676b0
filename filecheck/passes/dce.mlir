// RUN: raspir-opt %s --split-input-file -p dce | filecheck %s --match-full-lines

// Every s-op and selector is pure: whatever does not reach rasp.output goes,
// whole dead chains included (dead_map feeds only dead_chain, dead_sel only
// dead ops), discardable attributes or not. Live duplicates stay: dce does not
// merge, and rasp.length goes since nothing reads it.

rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" causal {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  %length = rasp.length "length" : !rasp.sop<categorical> values {1, 2, 3}
  %is_a = rasp.map "is_a" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1}
  %is_a_again = rasp.map "is_a" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1}
  %dead_map = rasp.map "dead_map" %indices {0 -> "x", 1 -> "y", 2 -> error} : !rasp.sop<categorical> values {"x", "y"}
  %dead_chain = rasp.sequence_map "dead_chain" %dead_map, %length {("x", 1) -> 1, ("x", 2) -> 2, ("x", 3) -> 3, ("y", 1) -> 1, ("y", 2) -> 2, ("y", 3) -> 3} : !rasp.sop<categorical> values {1, 2, 3}
  %dead_full = rasp.full "dead_full" fill 0 : !rasp.sop<categorical> values {0}
  %dead_const = rasp.constant "dead_const" [1, 2] unchecked : !rasp.sop<categorical> values {1, 2}
  %prevs = rasp.select "prevs" %indices, %indices leq
  %dead_sel = rasp.select "dead_sel" %tokens, %tokens eq
  %dead_not = rasp.select_not "dead_not" %dead_sel attributes {keep}
  %dead_or = rasp.select_or "dead_or" %dead_not, %prevs
  %dead_width = rasp.selector_width "dead_width" %dead_or : !rasp.sop<categorical> values {0, 1, 2, 3}
  %frac = rasp.aggregate "frac" %prevs, %is_a default 0 : !rasp.sop<numerical> values {0, 0.3333333333333333, 0.5, 0.6666666666666666, 1}
  %frac_again = rasp.aggregate "frac" %prevs, %is_a_again default 0 : !rasp.sop<numerical> values {0, 0.3333333333333333, 0.5, 0.6666666666666666, 1}
  %dead_agg = rasp.aggregate "dead_agg" %prevs, %is_a default 0 : !rasp.sop<numerical> values {0, 0.3333333333333333, 0.5, 0.6666666666666666, 1}
  %sum = rasp.linear_sequence_map "sum" %frac, %frac_again factors 1, 1 : !rasp.sop<numerical> values {0, 0.6666666666666666, 1, 1.3333333333333333, 2}
  rasp.output %sum : !rasp.sop<numerical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" causal {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %is_a = rasp.map "is_a" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1}
// CHECK-NEXT: %is_a_again = rasp.map "is_a" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1}
// CHECK-NEXT: %prevs = rasp.select "prevs" %indices, %indices leq
// CHECK-NEXT: %frac = rasp.aggregate "frac" %prevs, %is_a default 0 : !rasp.sop<numerical> values {0, 0.3333333333333333, 0.5, 0.6666666666666666, 1}
// CHECK-NEXT: %frac_again = rasp.aggregate "frac" %prevs, %is_a_again default 0 : !rasp.sop<numerical> values {0, 0.3333333333333333, 0.5, 0.6666666666666666, 1}
// CHECK-NEXT: %sum = rasp.linear_sequence_map "sum" %frac, %frac_again factors 1, 1 : !rasp.sop<numerical> values {0, 0.6666666666666666, 1, 1.3333333333333333, 2}
// CHECK-NEXT: rasp.output %sum : !rasp.sop<numerical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// The primitives go as well when unused; the program keeps only its output.

rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0}
  %length = rasp.length "length" : !rasp.sop<numerical> values {1}
  %c = rasp.constant "c" ["z"] : !rasp.sop<categorical> values {"z"}
  rasp.output %c : !rasp.sop<categorical>
}

// CHECK: {{//}} -----
// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
// CHECK-NEXT: %c = rasp.constant "c" ["z"] : !rasp.sop<categorical> values {"z"}
// CHECK-NEXT: rasp.output %c : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }
