// RUN: raspir-opt %s --split-input-file | filecheck %s --match-full-lines
// RUN: raspir-opt %s --split-input-file | raspir-opt --split-input-file | filecheck %s --match-full-lines
// RUN: raspir-opt %s --split-input-file --print-op-generic | raspir-opt --split-input-file | filecheck %s --match-full-lines
// RUN: raspir-opt %s --split-input-file --print-op-generic | filecheck %s --match-full-lines --check-prefix=GENERIC

// Printing is a fixed point, byte for byte, in both forms.
// RUN: raspir-opt %s --split-input-file -o %t.custom1.mlir
// RUN: raspir-opt %t.custom1.mlir --split-input-file -o %t.custom2.mlir
// RUN: diff %t.custom1.mlir %t.custom2.mlir
// RUN: raspir-opt %s --split-input-file --print-op-generic -o %t.generic1.mlir
// RUN: raspir-opt %t.generic1.mlir --split-input-file --print-op-generic -o %t.generic2.mlir
// RUN: diff %t.generic1.mlir %t.generic2.mlir

// Every op, both predicate forms (all eight comparisons and relations, empty
// included), `causal`, `unchecked`, `error` table entries and discardable
// attributes on the program, an s-op and a selector.

rasp.program vocab {1, 2, "a"} max_seq_len 3 bos "BOS" pad none causal attributes {origin = "roundtrip", version = 2 : i64} {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2, "a"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  %length = rasp.length "length" : !rasp.sop<numerical> values {1, 2, 3}
  %two = rasp.full "two" fill 2 : !rasp.sop<categorical> values {2}
  %pair = rasp.full "pair" fill (1, "a") : !rasp.sop<categorical> values {(1, "a")}
  %offsets = rasp.constant "offsets" [0, 1, 1] : !rasp.sop<categorical> values {0, 1}
  %ragged = rasp.constant "ragged" [none, "x"] unchecked : !rasp.sop<categorical> values {none, "x"}
  %is_one = rasp.map "is_one" %tokens {1 -> true, 2 -> false, "a" -> error} : !rasp.sop<numerical> values {false, true}
  %half = rasp.map "half" %indices {0 -> 0.0, 1 -> 0.5, 2 -> 1.0} : !rasp.sop<numerical> values {0.0, 0.5, 1.0}
  %sum = rasp.sequence_map "sum" %indices, %two {(0, 2) -> 2, (1, 2) -> 3, (2, 2) -> 4} : !rasp.sop<categorical> values {2, 3, 4}
  %diff = rasp.linear_sequence_map "diff" %length, %half factors 1, -0.5 : !rasp.sop<numerical> values {0.5, 0.75, 1, 1.5, 1.75, 2, 2.5, 2.75, 3}
  %s_eq = rasp.select "s_eq" %indices, %indices eq
  %s_lt = rasp.select "s_lt" %indices, %sum lt
  %s_leq = rasp.select "s_leq" %indices, %indices leq
  %s_gt = rasp.select "s_gt" %indices, %indices gt
  %s_geq = rasp.select "s_geq" %indices, %indices geq
  %s_neq = rasp.select "s_neq" %tokens, %tokens neq
  %s_true = rasp.select "s_true" %tokens, %tokens true
  %s_false = rasp.select "s_false" %tokens, %tokens false
  %rel = rasp.select "rel" %tokens, %offsets {(1, 0), (2, 1), ("a", 0), ("a", 1)}
  %none = rasp.select "none" %pair, %tokens {}
  %and = rasp.select_and "and" %s_lt, %rel
  %or = rasp.select_or "or" %and, %s_eq
  %not = rasp.select_not "not" %or attributes {hint = "negated"}
  %mean = rasp.aggregate "mean" %s_leq, %half default 0 : !rasp.sop<numerical> values {0, 0.0, 0.16666666666666666, 0.25, 0.3333333333333333, 0.5, 0.6666666666666666, 0.75, 0.8333333333333334, 1.0}
  %frac = rasp.aggregate "frac" %s_geq, %is_one default 0 : !rasp.sop<numerical> values {true, 0.5, 0.6666666666666666, false, 0.0, 1.0, 0.3333333333333333, 0}
  %pick = rasp.aggregate "pick" %not, %tokens default none : !rasp.sop<categorical> values {none, 1, 2, "a"}
  %width = rasp.selector_width "width" %s_neq : !rasp.sop<categorical> values {0, 1, 2, 3} attributes {note}
  %n_gt = rasp.selector_width "n_gt" %s_gt : !rasp.sop<numerical> values {0, 1, 2, 3}
  %n_true = rasp.selector_width "n_true" %s_true : !rasp.sop<categorical> values {0, 1, 2, 3}
  %n_false = rasp.selector_width "n_false" %s_false : !rasp.sop<categorical> values {0, 1, 2, 3}
  %n_none = rasp.selector_width "n_none" %none : !rasp.sop<categorical> values {0, 1, 2, 3}
  rasp.output %pick : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {1, 2, "a"} max_seq_len 3 bos "BOS" pad none causal attributes {origin = "roundtrip", version = 2 : i64} {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2, "a"}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %length = rasp.length "length" : !rasp.sop<numerical> values {1, 2, 3}
// CHECK-NEXT: %two = rasp.full "two" fill 2 : !rasp.sop<categorical> values {2}
// CHECK-NEXT: %pair = rasp.full "pair" fill (1, "a") : !rasp.sop<categorical> values {(1, "a")}
// CHECK-NEXT: %offsets = rasp.constant "offsets" [0, 1, 1] : !rasp.sop<categorical> values {0, 1}
// CHECK-NEXT: %ragged = rasp.constant "ragged" [none, "x"] unchecked : !rasp.sop<categorical> values {none, "x"}
// CHECK-NEXT: %is_one = rasp.map "is_one" %tokens {1 -> true, 2 -> false, "a" -> error} : !rasp.sop<numerical> values {false, true}
// CHECK-NEXT: %half = rasp.map "half" %indices {0 -> 0.0, 1 -> 0.5, 2 -> 1.0} : !rasp.sop<numerical> values {0.0, 0.5, 1.0}
// CHECK-NEXT: %sum = rasp.sequence_map "sum" %indices, %two {(0, 2) -> 2, (1, 2) -> 3, (2, 2) -> 4} : !rasp.sop<categorical> values {2, 3, 4}
// CHECK-NEXT: %diff = rasp.linear_sequence_map "diff" %length, %half factors 1, -0.5 : !rasp.sop<numerical> values {0.5, 0.75, 1, 1.5, 1.75, 2, 2.5, 2.75, 3}
// CHECK-NEXT: %s_eq = rasp.select "s_eq" %indices, %indices eq
// CHECK-NEXT: %s_lt = rasp.select "s_lt" %indices, %sum lt
// CHECK-NEXT: %s_leq = rasp.select "s_leq" %indices, %indices leq
// CHECK-NEXT: %s_gt = rasp.select "s_gt" %indices, %indices gt
// CHECK-NEXT: %s_geq = rasp.select "s_geq" %indices, %indices geq
// CHECK-NEXT: %s_neq = rasp.select "s_neq" %tokens, %tokens neq
// CHECK-NEXT: %s_true = rasp.select "s_true" %tokens, %tokens true
// CHECK-NEXT: %s_false = rasp.select "s_false" %tokens, %tokens false
// CHECK-NEXT: %rel = rasp.select "rel" %tokens, %offsets {(1, 0), (2, 1), ("a", 0), ("a", 1)}
// CHECK-NEXT: %none = rasp.select "none" %pair, %tokens {}
// CHECK-NEXT: %and = rasp.select_and "and" %s_lt, %rel
// CHECK-NEXT: %or = rasp.select_or "or" %and, %s_eq
// CHECK-NEXT: %not = rasp.select_not "not" %or attributes {hint = "negated"}
// CHECK-NEXT: %mean = rasp.aggregate "mean" %s_leq, %half default 0 : !rasp.sop<numerical> values {0, 0.0, 0.16666666666666666, 0.25, 0.3333333333333333, 0.5, 0.6666666666666666, 0.75, 0.8333333333333334, 1.0}
// CHECK-NEXT: %frac = rasp.aggregate "frac" %s_geq, %is_one default 0 : !rasp.sop<numerical> values {0, 0.0, false, 0.3333333333333333, 0.5, 0.6666666666666666, 1.0, true}
// CHECK-NEXT: %pick = rasp.aggregate "pick" %not, %tokens default none : !rasp.sop<categorical> values {none, 1, 2, "a"}
// CHECK-NEXT: %width = rasp.selector_width "width" %s_neq : !rasp.sop<categorical> values {0, 1, 2, 3} attributes {note}
// CHECK-NEXT: %n_gt = rasp.selector_width "n_gt" %s_gt : !rasp.sop<numerical> values {0, 1, 2, 3}
// CHECK-NEXT: %n_true = rasp.selector_width "n_true" %s_true : !rasp.sop<categorical> values {0, 1, 2, 3}
// CHECK-NEXT: %n_false = rasp.selector_width "n_false" %s_false : !rasp.sop<categorical> values {0, 1, 2, 3}
// CHECK-NEXT: %n_none = rasp.selector_width "n_none" %none : !rasp.sop<categorical> values {0, 1, 2, 3}
// CHECK-NEXT: rasp.output %pick : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// GENERIC: "builtin.module"() ({
// GENERIC: "rasp.program"() <{vocab = #rasp.values<{1, 2, "a"}>, max_seq_len = #builtin.int<3>, bos = #rasp.value<"BOS">, pad = #rasp.value<none>, causal = true}> ({
// GENERIC: %two = "rasp.full"() <{fill = #rasp.value<2>, label = "two", values = #rasp.values<{2}>}> : () -> !rasp.sop<categorical>
// GENERIC: %pair = "rasp.full"() <{fill = #rasp.value<(1, "a")>, label = "pair", values = #rasp.values<{(1, "a")}>}> : () -> !rasp.sop<categorical>
// GENERIC: %offsets = "rasp.constant"() <{sequence = #rasp.list<[0, 1, 1]>, check_length = true, label = "offsets", values = #rasp.values<{0, 1}>}> : () -> !rasp.sop<categorical>
// GENERIC: %ragged = "rasp.constant"() <{sequence = #rasp.list<[none, "x"]>, check_length = false, label = "ragged", values = #rasp.values<{none, "x"}>}> : () -> !rasp.sop<categorical>
// GENERIC: %is_one = "rasp.map"(%tokens) <{table = #rasp.table<{1 -> true, 2 -> false, "a" -> error}>, label = "is_one", values = #rasp.values<{false, true}>}> : (!rasp.sop<categorical>) -> !rasp.sop<numerical>
// GENERIC: %diff = "rasp.linear_sequence_map"(%length, %half) <{fst_factor = #rasp.value<1>, snd_factor = #rasp.value<-0.5>, label = "diff", values = #rasp.values<{0.5, 0.75, 1, 1.5, 1.75, 2, 2.5, 2.75, 3}>}> : (!rasp.sop<numerical>, !rasp.sop<numerical>) -> !rasp.sop<numerical>
// GENERIC: %s_lt = "rasp.select"(%indices, %sum) <{predicate = #rasp.cmp<lt>, label = "s_lt"}> : (!rasp.sop<categorical>, !rasp.sop<categorical>) -> !rasp.selector
// GENERIC: %rel = "rasp.select"(%tokens, %offsets) <{predicate = #rasp.relation<{(1, 0), (2, 1), ("a", 0), ("a", 1)}>, label = "rel"}> : (!rasp.sop<categorical>, !rasp.sop<categorical>) -> !rasp.selector
// GENERIC: %none = "rasp.select"(%pair, %tokens) <{predicate = #rasp.relation<{}>, label = "none"}> : (!rasp.sop<categorical>, !rasp.sop<categorical>) -> !rasp.selector
// GENERIC: %not = "rasp.select_not"(%or) <{label = "not"}> {hint = "negated"} : (!rasp.selector) -> !rasp.selector
// GENERIC: %pick = "rasp.aggregate"(%not, %tokens) <{default = #rasp.value<none>, label = "pick", values = #rasp.values<{none, 1, 2, "a"}>}> : (!rasp.selector, !rasp.sop<categorical>) -> !rasp.sop<categorical>
// GENERIC: %width = "rasp.selector_width"(%s_neq) <{label = "width", values = #rasp.values<{0, 1, 2, 3}>}> {note} : (!rasp.selector) -> !rasp.sop<categorical>
// GENERIC: "rasp.output"(%pick) : (!rasp.sop<categorical>) -> ()
// GENERIC: }) {origin = "roundtrip", version = 2 : i64} : () -> ()
// GENERIC: }) : () -> ()

// -----

// Every value kind: none, booleans, ints (negative, beyond 64 bits), floats
// (negative zero, exponents, inf, -inf, nan), strings with escapes, tuples
// (empty, one element, nested). Value sets are accepted in any order and
// printed in canonical order; `1.0e5` prints as `100000.0`. Values are told
// apart type-exactly: 0, -0.0 and false are three elements, ordered int, float,
// bool.

rasp.program vocab {"b", "a", "", "q\"uote", "back\\slash", "new\nline", "tab\09"} max_seq_len 2 bos -1 pad 1.0e5 {
  %tokens = rasp.tokens "to\"kens" : !rasp.sop<categorical> values {"b", "a", "", "q\"uote", "back\\slash", "new\nline", "tab\09", "extra"}
  %indices = rasp.indices "indices" : !rasp.sop<numerical> values {1, 0}
  %c = rasp.constant "all_kinds" [none, true, false, 0, -7, 123456789012345678901234567890, 0.5, -0.0, 1.0e-07, 1.5e300, inf, -inf, nan, "s", (), (1), (1, "a"), ((2.0, none), (-1))] unchecked : !rasp.sop<categorical> values {"s", true, (), 0, inf, false, -inf, 1.5e300, nan, -0.0, none, -7, 123456789012345678901234567890, 0.5, 1.0e-07, (1), (1, "a"), ((2.0, none), (-1))}
  %nan = rasp.full "nan" fill nan : !rasp.sop<numerical> values {nan}
  %m = rasp.map "kinds" %indices {0 -> (), 1 -> ((1), "x")} : !rasp.sop<categorical> values {(), ((1), "x")}
  %f = rasp.map "floats" %indices {0 -> -inf, 1 -> 2.5e-10} : !rasp.sop<numerical> values {-inf, 2.5e-10}
  %t = rasp.map "tuples" %m {() -> none, ((1), "x") -> 0} : !rasp.sop<categorical> values {none, 0}
  rasp.output %t : !rasp.sop<categorical>
}

// CHECK: {{//}} -----
// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"", "a", "b", "back\\slash", "new\0Aline", "q\22uote", "tab\09"} max_seq_len 2 bos -1 pad 100000.0 {
// CHECK-NEXT: %tokens = rasp.tokens "to\22kens" : !rasp.sop<categorical> values {"", "a", "b", "back\\slash", "extra", "new\0Aline", "q\22uote", "tab\09"}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<numerical> values {0, 1}
// CHECK-NEXT: %c = rasp.constant "all_kinds" [none, true, false, 0, -7, 123456789012345678901234567890, 0.5, -0.0, 1.0e-07, 1.5e+300, inf, -inf, nan, "s", (), (1), (1, "a"), ((2.0, none), (-1))] unchecked : !rasp.sop<categorical> values {none, -inf, -7, 0, -0.0, false, 1.0e-07, 0.5, true, 123456789012345678901234567890, 1.5e+300, inf, nan, "s", (), (1), (1, "a"), ((2.0, none), (-1))}
// CHECK-NEXT: %nan = rasp.full "nan" fill nan : !rasp.sop<numerical> values {nan}
// CHECK-NEXT: %m = rasp.map "kinds" %indices {0 -> (), 1 -> ((1), "x")} : !rasp.sop<categorical> values {(), ((1), "x")}
// CHECK-NEXT: %f = rasp.map "floats" %indices {0 -> -inf, 1 -> 2.5e-10} : !rasp.sop<numerical> values {-inf, 2.5e-10}
// CHECK-NEXT: %t = rasp.map "tuples" %m {() -> none, ((1), "x") -> 0} : !rasp.sop<categorical> values {none, 0}
// CHECK-NEXT: rasp.output %t : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// GENERIC: {{//}} -----
// GENERIC: "builtin.module"() ({
// GENERIC: "rasp.program"() <{vocab = #rasp.values<{"", "a", "b", "back\\slash", "new\0Aline", "q\22uote", "tab\09"}>, max_seq_len = #builtin.int<2>, bos = #rasp.value<-1>, pad = #rasp.value<100000.0>, causal = false}> ({
// GENERIC: %c = "rasp.constant"() <{sequence = #rasp.list<[none, true, false, 0, -7, 123456789012345678901234567890, 0.5, -0.0, 1.0e-07, 1.5e+300, inf, -inf, nan, "s", (), (1), (1, "a"), ((2.0, none), (-1))]>, check_length = false, label = "all_kinds", values = #rasp.values<{none, -inf, -7, 0, -0.0, false, 1.0e-07, 0.5, true, 123456789012345678901234567890, 1.5e+300, inf, nan, "s", (), (1), (1, "a"), ((2.0, none), (-1))}>}> : () -> !rasp.sop<categorical>
// GENERIC: %nan = "rasp.full"() <{fill = #rasp.value<nan>, label = "nan", values = #rasp.values<{nan}>}> : () -> !rasp.sop<numerical>
// GENERIC: "rasp.output"(%t) : (!rasp.sop<categorical>) -> ()
// GENERIC: }) : () -> ()
// GENERIC: }) : () -> ()

// -----

// 1, 1.0 and true are three values: three vocab tokens, three table inputs,
// three relation pairs. All NaNs, nested ones included, are one value.

rasp.program vocab {true, 1.0, 1} max_seq_len 2 bos 0 pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1.0, true, 1}
  %m = rasp.map "m" %tokens {true -> "c", 1.0 -> "b", 1 -> "a"} : !rasp.sop<categorical> values {"c", "b", "a"}
  %nan = rasp.full "nan" fill (nan, 1) : !rasp.sop<categorical> values {(nan, 1)}
  %s = rasp.select "s" %tokens, %tokens {(true, 1), (1.0, 1), (1, 1)}
  %a = rasp.aggregate "a" %s, %m default none : !rasp.sop<categorical> values {"a", none, "b", "c"}
  rasp.output %a : !rasp.sop<categorical>
}

// CHECK: {{//}} -----
// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {1, 1.0, true} max_seq_len 2 bos 0 pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 1.0, true}
// CHECK-NEXT: %m = rasp.map "m" %tokens {1 -> "a", 1.0 -> "b", true -> "c"} : !rasp.sop<categorical> values {"a", "b", "c"}
// CHECK-NEXT: %nan = rasp.full "nan" fill (nan, 1) : !rasp.sop<categorical> values {(nan, 1)}
// CHECK-NEXT: %s = rasp.select "s" %tokens, %tokens {(1, 1), (1.0, 1), (true, 1)}
// CHECK-NEXT: %a = rasp.aggregate "a" %s, %m default none : !rasp.sop<categorical> values {none, "a", "b", "c"}
// CHECK-NEXT: rasp.output %a : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// GENERIC: {{//}} -----
// GENERIC: "builtin.module"() ({
// GENERIC: "rasp.program"() <{vocab = #rasp.values<{1, 1.0, true}>, max_seq_len = #builtin.int<2>, bos = #rasp.value<0>, pad = #rasp.value<"PAD">, causal = false}> ({
// GENERIC: %m = "rasp.map"(%tokens) <{table = #rasp.table<{1 -> "a", 1.0 -> "b", true -> "c"}>, label = "m", values = #rasp.values<{"a", "b", "c"}>}> : (!rasp.sop<categorical>) -> !rasp.sop<categorical>
// GENERIC: %s = "rasp.select"(%tokens, %tokens) <{predicate = #rasp.relation<{(1, 1), (1.0, 1), (true, 1)}>, label = "s"}> : (!rasp.sop<categorical>, !rasp.sop<categorical>) -> !rasp.selector
// GENERIC: }) : () -> ()
// GENERIC: }) : () -> ()
