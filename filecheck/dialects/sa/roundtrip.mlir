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

// Every sa op: both embeddings of the tokens (categorical and numerical),
// indices, fulls (a tuple fill), lookups to both encodings with `none` and
// `error` outputs, a pair lookup, heads with a comparison, a relation and an
// empty relation, counts to both encodings, a linear MLP and discretising MLPs
// to both encodings; `layer` present and absent, `causal`, discardable
// attributes on the program and a component. Value sets print canonically
// (0, false, 0.5, 1, true) and constants as floats, always with a `.`
// (1.0e-04 -> 0.0001, 3.0e-06 stays 3.0e-06), in the generic form as
// #rasp.value<...>.

sa.program vocab {1, 2, 3} max_seq_len 3 bos "BOS" pad none causal attributes {origin = "roundtrip"} {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {1, 2, 3} noise 0.0
  %numbers = sa.tokens "numbers" : !rasp.sop<numerical> values {1, 2, 3} noise 0.0
  %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1, 2} noise 0.0
  %two = sa.full "two" fill 2 : !rasp.sop<categorical> values {2} noise 0.0
  %pair = sa.full "pair" fill (1, "a") : !rasp.sop<categorical> values {(1, "a")} noise 0.0
  %is_one = sa.lookup "is_one" %tokens {1 -> true, 2 -> false, 3 -> error} : !rasp.sop<numerical> values {false, true} noise 5.960464477539063e-08 layer 0
  %name = sa.lookup "name" %indices {0 -> "zero", 1 -> none, 2 -> "two"} : !rasp.sop<categorical> values {none, "two", "zero"} noise 0.0 layer 0
  %sum = sa.pair_lookup "sum" %indices, %two {(0, 2) -> 2, (1, 2) -> 3, (2, 2) -> error} : !rasp.sop<categorical> values {2, 3} noise 0.0 layer 0
  %mean = sa.aggregate "mean" %indices, %indices, %is_one leq sharpness 12.5 : !rasp.sop<numerical> values {0, 0.5, 1, true, false} noise 1.0e-04 layer 1
  %pick = sa.aggregate "pick" %tokens, %sum, %tokens {(1, 2), (2, 3), (3, 2)} sharpness 9.0 : !rasp.sop<categorical> values {none, 1, 2, 3} noise 0.01 layer 1 attributes {note = "relation"}
  %never = sa.aggregate "never" %pair, %tokens, %tokens {} sharpness 1.0 : !rasp.sop<categorical> values {none, 1, 2, 3} noise 0.0
  %width = sa.count "width" %tokens, %tokens neq sharpness 7.25 margin 0.003125 : !rasp.sop<categorical> values {0, 1, 2, 3} noise 3.5e-06 layer 0
  %n_gt = sa.count "n_gt" %indices, %indices gt sharpness 7.25 margin 0.003125 : !rasp.sop<numerical> values {0, 1, 2} noise 3.0e-06 layer 0
  %diff = sa.linear "diff" %mean, %numbers factors 1, -0.5 : !rasp.sop<numerical> values {-1.5, -1.0, -0.5, 0.0, 0.5} noise 2.0e-04 layer 1
  %sign = sa.discretise "sign" %diff {-1.5 -> "neg", -1.0 -> "neg", -0.5 -> "neg", 0.0 -> none, 0.5 -> "pos"} margin 1.0e-03 : !rasp.sop<categorical> values {none, "neg", "pos"} noise 1.5e-06 layer 2
  %scaled = sa.discretise "scaled" %n_gt {0 -> 0.0, 1 -> 0.5, 2 -> error} margin 0.25 : !rasp.sop<numerical> values {0.0, 0.5} noise 0.0 layer 1
  sa.output %sign : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: sa.program vocab {1, 2, 3} max_seq_len 3 bos "BOS" pad none causal attributes {origin = "roundtrip"} {
// CHECK-NEXT: %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {1, 2, 3} noise 0.0
// CHECK-NEXT: %numbers = sa.tokens "numbers" : !rasp.sop<numerical> values {1, 2, 3} noise 0.0
// CHECK-NEXT: %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1, 2} noise 0.0
// CHECK-NEXT: %two = sa.full "two" fill 2 : !rasp.sop<categorical> values {2} noise 0.0
// CHECK-NEXT: %pair = sa.full "pair" fill (1, "a") : !rasp.sop<categorical> values {(1, "a")} noise 0.0
// CHECK-NEXT: %is_one = sa.lookup "is_one" %tokens {1 -> true, 2 -> false, 3 -> error} : !rasp.sop<numerical> values {false, true} noise 5.960464477539063e-08 layer 0
// CHECK-NEXT: %name = sa.lookup "name" %indices {0 -> "zero", 1 -> none, 2 -> "two"} : !rasp.sop<categorical> values {none, "two", "zero"} noise 0.0 layer 0
// CHECK-NEXT: %sum = sa.pair_lookup "sum" %indices, %two {(0, 2) -> 2, (1, 2) -> 3, (2, 2) -> error} : !rasp.sop<categorical> values {2, 3} noise 0.0 layer 0
// CHECK-NEXT: %mean = sa.aggregate "mean" %indices, %indices, %is_one leq sharpness 12.5 : !rasp.sop<numerical> values {0, false, 0.5, 1, true} noise 0.0001 layer 1
// CHECK-NEXT: %pick = sa.aggregate "pick" %tokens, %sum, %tokens {(1, 2), (2, 3), (3, 2)} sharpness 9.0 : !rasp.sop<categorical> values {none, 1, 2, 3} noise 0.01 layer 1 attributes {note = "relation"}
// CHECK-NEXT: %never = sa.aggregate "never" %pair, %tokens, %tokens {} sharpness 1.0 : !rasp.sop<categorical> values {none, 1, 2, 3} noise 0.0
// CHECK-NEXT: %width = sa.count "width" %tokens, %tokens neq sharpness 7.25 margin 0.003125 : !rasp.sop<categorical> values {0, 1, 2, 3} noise 3.5e-06 layer 0
// CHECK-NEXT: %n_gt = sa.count "n_gt" %indices, %indices gt sharpness 7.25 margin 0.003125 : !rasp.sop<numerical> values {0, 1, 2} noise 3.0e-06 layer 0
// CHECK-NEXT: %diff = sa.linear "diff" %mean, %numbers factors 1, -0.5 : !rasp.sop<numerical> values {-1.5, -1.0, -0.5, 0.0, 0.5} noise 0.0002 layer 1
// CHECK-NEXT: %sign = sa.discretise "sign" %diff {-1.5 -> "neg", -1.0 -> "neg", -0.5 -> "neg", 0.0 -> none, 0.5 -> "pos"} margin 0.001 : !rasp.sop<categorical> values {none, "neg", "pos"} noise 1.5e-06 layer 2
// CHECK-NEXT: %scaled = sa.discretise "scaled" %n_gt {0 -> 0.0, 1 -> 0.5, 2 -> error} margin 0.25 : !rasp.sop<numerical> values {0.0, 0.5} noise 0.0 layer 1
// CHECK-NEXT: sa.output %sign : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// GENERIC: "builtin.module"() ({
// GENERIC-NEXT: "sa.program"() <{vocab = #rasp.values<{1, 2, 3}>, max_seq_len = #builtin.int<3>, bos = #rasp.value<"BOS">, pad = #rasp.value<none>, causal = true}> ({
// GENERIC-NEXT: %tokens = "sa.tokens"() <{noise = #rasp.value<0.0>, label = "tokens", values = #rasp.values<{1, 2, 3}>}> : () -> !rasp.sop<categorical>
// GENERIC-NEXT: %numbers = "sa.tokens"() <{noise = #rasp.value<0.0>, label = "numbers", values = #rasp.values<{1, 2, 3}>}> : () -> !rasp.sop<numerical>
// GENERIC-NEXT: %indices = "sa.indices"() <{noise = #rasp.value<0.0>, label = "indices", values = #rasp.values<{0, 1, 2}>}> : () -> !rasp.sop<categorical>
// GENERIC-NEXT: %two = "sa.full"() <{fill = #rasp.value<2>, noise = #rasp.value<0.0>, label = "two", values = #rasp.values<{2}>}> : () -> !rasp.sop<categorical>
// GENERIC-NEXT: %pair = "sa.full"() <{fill = #rasp.value<(1, "a")>, noise = #rasp.value<0.0>, label = "pair", values = #rasp.values<{(1, "a")}>}> : () -> !rasp.sop<categorical>
// GENERIC-NEXT: %is_one = "sa.lookup"(%tokens) <{table = #rasp.table<{1 -> true, 2 -> false, 3 -> error}>, noise = #rasp.value<5.960464477539063e-08>, layer = #builtin.int<0>, label = "is_one", values = #rasp.values<{false, true}>}> : (!rasp.sop<categorical>) -> !rasp.sop<numerical>
// GENERIC-NEXT: %name = "sa.lookup"(%indices) <{table = #rasp.table<{0 -> "zero", 1 -> none, 2 -> "two"}>, noise = #rasp.value<0.0>, layer = #builtin.int<0>, label = "name", values = #rasp.values<{none, "two", "zero"}>}> : (!rasp.sop<categorical>) -> !rasp.sop<categorical>
// GENERIC-NEXT: %sum = "sa.pair_lookup"(%indices, %two) <{table = #rasp.table<{(0, 2) -> 2, (1, 2) -> 3, (2, 2) -> error}>, noise = #rasp.value<0.0>, layer = #builtin.int<0>, label = "sum", values = #rasp.values<{2, 3}>}> : (!rasp.sop<categorical>, !rasp.sop<categorical>) -> !rasp.sop<categorical>
// GENERIC-NEXT: %mean = "sa.aggregate"(%indices, %indices, %is_one) <{predicate = #rasp.cmp<leq>, sharpness = #rasp.value<12.5>, noise = #rasp.value<0.0001>, layer = #builtin.int<1>, label = "mean", values = #rasp.values<{0, false, 0.5, 1, true}>}> : (!rasp.sop<categorical>, !rasp.sop<categorical>, !rasp.sop<numerical>) -> !rasp.sop<numerical>
// GENERIC-NEXT: %pick = "sa.aggregate"(%tokens, %sum, %tokens) <{predicate = #rasp.relation<{(1, 2), (2, 3), (3, 2)}>, sharpness = #rasp.value<9.0>, noise = #rasp.value<0.01>, layer = #builtin.int<1>, label = "pick", values = #rasp.values<{none, 1, 2, 3}>}> {note = "relation"} : (!rasp.sop<categorical>, !rasp.sop<categorical>, !rasp.sop<categorical>) -> !rasp.sop<categorical>
// GENERIC-NEXT: %never = "sa.aggregate"(%pair, %tokens, %tokens) <{predicate = #rasp.relation<{}>, sharpness = #rasp.value<1.0>, noise = #rasp.value<0.0>, label = "never", values = #rasp.values<{none, 1, 2, 3}>}> : (!rasp.sop<categorical>, !rasp.sop<categorical>, !rasp.sop<categorical>) -> !rasp.sop<categorical>
// GENERIC-NEXT: %width = "sa.count"(%tokens, %tokens) <{predicate = #rasp.cmp<neq>, sharpness = #rasp.value<7.25>, margin = #rasp.value<0.003125>, noise = #rasp.value<3.5e-06>, layer = #builtin.int<0>, label = "width", values = #rasp.values<{0, 1, 2, 3}>}> : (!rasp.sop<categorical>, !rasp.sop<categorical>) -> !rasp.sop<categorical>
// GENERIC-NEXT: %n_gt = "sa.count"(%indices, %indices) <{predicate = #rasp.cmp<gt>, sharpness = #rasp.value<7.25>, margin = #rasp.value<0.003125>, noise = #rasp.value<3.0e-06>, layer = #builtin.int<0>, label = "n_gt", values = #rasp.values<{0, 1, 2}>}> : (!rasp.sop<categorical>, !rasp.sop<categorical>) -> !rasp.sop<numerical>
// GENERIC-NEXT: %diff = "sa.linear"(%mean, %numbers) <{fst_factor = #rasp.value<1>, snd_factor = #rasp.value<-0.5>, noise = #rasp.value<0.0002>, layer = #builtin.int<1>, label = "diff", values = #rasp.values<{-1.5, -1.0, -0.5, 0.0, 0.5}>}> : (!rasp.sop<numerical>, !rasp.sop<numerical>) -> !rasp.sop<numerical>
// GENERIC-NEXT: %sign = "sa.discretise"(%diff) <{table = #rasp.table<{-1.5 -> "neg", -1.0 -> "neg", -0.5 -> "neg", 0.0 -> none, 0.5 -> "pos"}>, margin = #rasp.value<0.001>, noise = #rasp.value<1.5e-06>, layer = #builtin.int<2>, label = "sign", values = #rasp.values<{none, "neg", "pos"}>}> : (!rasp.sop<numerical>) -> !rasp.sop<categorical>
// GENERIC-NEXT: %scaled = "sa.discretise"(%n_gt) <{table = #rasp.table<{0 -> 0.0, 1 -> 0.5, 2 -> error}>, margin = #rasp.value<0.25>, noise = #rasp.value<0.0>, layer = #builtin.int<1>, label = "scaled", values = #rasp.values<{0.0, 0.5}>}> : (!rasp.sop<numerical>) -> !rasp.sop<numerical>
// GENERIC-NEXT: "sa.output"(%sign) : (!rasp.sop<categorical>) -> ()
// GENERIC-NEXT: }) {origin = "roundtrip"} : () -> ()
// GENERIC-NEXT: }) : () -> ()

// -----

// A program with nothing but an embedding.

sa.program vocab {"x"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"x"} noise 0.0
  sa.output %tokens : !rasp.sop<categorical>
}

// CHECK: {{//}} -----
// CHECK: builtin.module {
// CHECK-NEXT: sa.program vocab {"x"} max_seq_len 1 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"x"} noise 0.0
// CHECK-NEXT: sa.output %tokens : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// GENERIC: {{//}} -----
// GENERIC: "builtin.module"() ({
// GENERIC-NEXT: "sa.program"() <{vocab = #rasp.values<{"x"}>, max_seq_len = #builtin.int<1>, bos = #rasp.value<"BOS">, pad = #rasp.value<"PAD">, causal = false}> ({
// GENERIC-NEXT: %tokens = "sa.tokens"() <{noise = #rasp.value<0.0>, label = "tokens", values = #rasp.values<{"x"}>}> : () -> !rasp.sop<categorical>
// GENERIC-NEXT: "sa.output"(%tokens) : (!rasp.sop<categorical>) -> ()
// GENERIC-NEXT: }) : () -> ()
// GENERIC-NEXT: }) : () -> ()

// -----

// An aggregate's default prints after the sharpness, only where the op has
// one (a string, a tuple, a negative number, a bool); without it the default
// is none (categorical) or 0 (numerical).

sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
  %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1} noise 0.0
  %x = sa.lookup "x" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1} noise 0.0 layer 0
  %prev = sa.aggregate "prev" %indices, %indices, %tokens {(0, 1)} sharpness 10.0 default "z" : !rasp.sop<categorical> values {"a", "b", "z"} noise 0.0 layer 0
  %pair = sa.aggregate "pair" %indices, %indices, %tokens {(0, 1)} sharpness 10.0 default (1, "a") : !rasp.sop<categorical> values {"a", "b", (1, "a")} noise 0.0 layer 0
  %mean = sa.aggregate "mean" %indices, %indices, %x lt sharpness 8.0 default -2.5 : !rasp.sop<numerical> values {-2.5, 0, 1} noise 0.0 layer 1
  %flag = sa.aggregate "flag" %indices, %indices, %x lt sharpness 8.0 default true : !rasp.sop<numerical> values {0, 1, true} noise 0.0 layer 1
  %plain = sa.aggregate "plain" %indices, %indices, %x lt sharpness 8.0 : !rasp.sop<numerical> values {0, 1} noise 0.0 layer 1
  sa.output %prev : !rasp.sop<categorical>
}

// CHECK: {{//}} -----
// CHECK: builtin.module {
// CHECK-NEXT: sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
// CHECK-NEXT: %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1} noise 0.0
// CHECK-NEXT: %x = sa.lookup "x" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1} noise 0.0 layer 0
// CHECK-NEXT: %prev = sa.aggregate "prev" %indices, %indices, %tokens {(0, 1)} sharpness 10.0 default "z" : !rasp.sop<categorical> values {"a", "b", "z"} noise 0.0 layer 0
// CHECK-NEXT: %pair = sa.aggregate "pair" %indices, %indices, %tokens {(0, 1)} sharpness 10.0 default (1, "a") : !rasp.sop<categorical> values {"a", "b", (1, "a")} noise 0.0 layer 0
// CHECK-NEXT: %mean = sa.aggregate "mean" %indices, %indices, %x lt sharpness 8.0 default -2.5 : !rasp.sop<numerical> values {-2.5, 0, 1} noise 0.0 layer 1
// CHECK-NEXT: %flag = sa.aggregate "flag" %indices, %indices, %x lt sharpness 8.0 default true : !rasp.sop<numerical> values {0, 1, true} noise 0.0 layer 1
// CHECK-NEXT: %plain = sa.aggregate "plain" %indices, %indices, %x lt sharpness 8.0 : !rasp.sop<numerical> values {0, 1} noise 0.0 layer 1
// CHECK-NEXT: sa.output %prev : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// GENERIC: %prev = "sa.aggregate"(%indices, %indices, %tokens) <{predicate = #rasp.relation<{(0, 1)}>, sharpness = #rasp.value<10.0>, default = #rasp.value<"z">, noise = #rasp.value<0.0>, layer = #builtin.int<0>, label = "prev", values = #rasp.values<{"a", "b", "z"}>}> : (!rasp.sop<categorical>, !rasp.sop<categorical>, !rasp.sop<categorical>) -> !rasp.sop<categorical>
// GENERIC: %plain = "sa.aggregate"(%indices, %indices, %x) <{predicate = #rasp.cmp<lt>, sharpness = #rasp.value<8.0>, noise = #rasp.value<0.0>, layer = #builtin.int<1>, label = "plain", values = #rasp.values<{0, 1}>}> : (!rasp.sop<categorical>, !rasp.sop<categorical>, !rasp.sop<numerical>) -> !rasp.sop<numerical>

// -----

// A max or min head (with or without a default): the reduction follows the
// default.

sa.program vocab {1, 2, 3} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {1, 2, 3} noise 0.0
  %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1, 2} noise 0.0
  %top = sa.aggregate "top" %indices, %indices, %tokens leq sharpness 40.0 max : !rasp.sop<categorical> values {none, 1, 2, 3} noise 0.01
  %low = sa.aggregate "low" %tokens, %tokens, %tokens gt sharpness 40.0 default 0 min : !rasp.sop<categorical> values {0, 1, 2, 3} noise 0.01
  sa.output %low : !rasp.sop<categorical>
}

// CHECK: %top = sa.aggregate "top" %indices, %indices, %tokens leq sharpness 40.0 max : !rasp.sop<categorical> values {none, 1, 2, 3} noise 0.01
// CHECK-NEXT: %low = sa.aggregate "low" %tokens, %tokens, %tokens gt sharpness 40.0 default 0 min : !rasp.sop<categorical> values {0, 1, 2, 3} noise 0.01

// -----

// A pair: a view of two categorical s-ops, read only by heads.

sa.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {1, 2} noise 0.0
  %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1} noise 0.0
  %keys = sa.pair "keys" %tokens, %indices : !rasp.sop<categorical> values {(1, 0), (1, 1), (2, 0), (2, 1)} noise 0.0
  %n = sa.count "n" %keys, %keys {((1, 0), (1, 1)), ((2, 0), (2, 1))} sharpness 6.0 margin 0.01 : !rasp.sop<numerical> values {0, 1} noise 0.0
  sa.output %n : !rasp.sop<numerical>
}

// CHECK: %keys = sa.pair "keys" %tokens, %indices : !rasp.sop<categorical> values {(1, 0), (1, 1), (2, 0), (2, 1)} noise 0.0
// CHECK-NEXT: %n = sa.count "n" %keys, %keys {((1, 0), (1, 1)), ((2, 0), (2, 1))} sharpness 6.0 margin 0.01 : !rasp.sop<numerical> values {0, 1} noise 0.0
