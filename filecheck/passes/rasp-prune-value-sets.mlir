// RUN: raspir-opt %s --split-input-file -p rasp-prune-value-sets | filecheck %s --match-full-lines

// Value sets of s-ops that depend only on the position (indices, length, full,
// the width of a `true` select, maps of these) shrink to the values they reach
// at the pairs (L, i), 0 <= i < L <= max_seq_len; tables, relations and
// categorical aggregates downstream follow.

// Pruning again changes nothing.
// RUN: raspir-opt %s --split-input-file -p rasp-prune-value-sets -o %t.once.mlir
// RUN: raspir-opt %t.once.mlir --split-input-file -p rasp-prune-value-sets -o %t.twice.mlir
// RUN: diff %t.once.mlir %t.twice.mlir

// Tracr's reverse at max_seq_len 3, as imported. length = selector_width of a
// `true` select is L at every position, so 0 leaves its value set. opp_idx =
// length - indices only meets pairs (L, i) with i < L: its value set loses the
// zero and the negatives, and the three pairs with i >= L become `error` (no
// unit in the pair lookup). opp_idx-1 drops the rows of the removed values.
// Nothing downstream of the select changes: `eq` is symbolic and the aggregate
// reads the tokens.

rasp.program vocab {"a", "b"} max_seq_len 3 bos "compiler_bos" pad "compiler_pad" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  %all_true_selector = rasp.select "all_true_selector" %tokens, %tokens true
  %length = rasp.selector_width "length" %all_true_selector : !rasp.sop<categorical> values {0, 1, 2, 3}
  %opp_idx = rasp.sequence_map "opp_idx" %length, %indices {(0, 0) -> 0, (0, 1) -> -1, (0, 2) -> -2, (1, 0) -> 1, (1, 1) -> 0, (1, 2) -> -1, (2, 0) -> 2, (2, 1) -> 1, (2, 2) -> 0, (3, 0) -> 3, (3, 1) -> 2, (3, 2) -> 1} : !rasp.sop<categorical> values {-2, -1, 0, 1, 2, 3}
  %opp_idx-1 = rasp.map "opp_idx-1" %opp_idx {-2 -> -3, -1 -> -2, 0 -> -1, 1 -> 0, 2 -> 1, 3 -> 2} : !rasp.sop<categorical> values {-3, -2, -1, 0, 1, 2}
  %reverse_selector = rasp.select "reverse_selector" %indices, %opp_idx-1 eq
  %reverse = rasp.aggregate "reverse" %reverse_selector, %tokens default none : !rasp.sop<categorical> values {none, "a", "b"}
  rasp.output %reverse : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 3 bos "compiler_bos" pad "compiler_pad" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %all_true_selector = rasp.select "all_true_selector" %tokens, %tokens true
// CHECK-NEXT: %length = rasp.selector_width "length" %all_true_selector : !rasp.sop<categorical> values {1, 2, 3}
// CHECK-NEXT: %opp_idx = rasp.sequence_map "opp_idx" %length, %indices {(1, 0) -> 1, (1, 1) -> error, (1, 2) -> error, (2, 0) -> 2, (2, 1) -> 1, (2, 2) -> error, (3, 0) -> 3, (3, 1) -> 2, (3, 2) -> 1} : !rasp.sop<categorical> values {1, 2, 3}
// CHECK-NEXT: %opp_idx-1 = rasp.map "opp_idx-1" %opp_idx {1 -> 0, 2 -> 1, 3 -> 2} : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %reverse_selector = rasp.select "reverse_selector" %indices, %opp_idx-1 eq
// CHECK-NEXT: %reverse = rasp.aggregate "reverse" %reverse_selector, %tokens default none : !rasp.sop<categorical> values {none, "a", "b"}
// CHECK-NEXT: rasp.output %reverse : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// In a causal program query i sees keys 0..i, so the width of a `true` select
// is i + 1: only the pairs (i + 1, i) reach `gap`, whose value is always 1.

rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" causal {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  %all = rasp.select "all" %tokens, %tokens true
  %prefix = rasp.selector_width "prefix" %all : !rasp.sop<categorical> values {0, 1, 2, 3}
  %gap = rasp.sequence_map "gap" %prefix, %indices {(0, 0) -> 0, (0, 1) -> -1, (0, 2) -> -2, (1, 0) -> 1, (1, 1) -> 0, (1, 2) -> -1, (2, 0) -> 2, (2, 1) -> 1, (2, 2) -> 0, (3, 0) -> 3, (3, 1) -> 2, (3, 2) -> 1} : !rasp.sop<categorical> values {-2, -1, 0, 1, 2, 3}
  rasp.output %gap : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" causal {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %all = rasp.select "all" %tokens, %tokens true
// CHECK-NEXT: %prefix = rasp.selector_width "prefix" %all : !rasp.sop<categorical> values {1, 2, 3}
// CHECK-NEXT: %gap = rasp.sequence_map "gap" %prefix, %indices {(1, 0) -> 1, (1, 1) -> error, (1, 2) -> error, (2, 0) -> error, (2, 1) -> 1, (2, 2) -> error, (3, 0) -> error, (3, 1) -> error, (3, 2) -> 1} : !rasp.sop<categorical> values {1}
// CHECK-NEXT: rasp.output %gap : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// Consumers that are not positional follow their inputs. opp = length - indices
// (a linear map) reaches {1, 2, 3}, last {0, 1, 2}. tag reads the tokens too:
// it drops the rows of the removed values and with them its output "neg"; the
// relation of `near` drops the pairs with a removed query; the categorical
// aggregate pick drops "neg", which its input lost.

rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  %length = rasp.length "length" : !rasp.sop<categorical> values {1, 2, 3}
  %opp = rasp.linear_sequence_map "opp" %length, %indices factors 1, -1 : !rasp.sop<categorical> values {-1, 0, 1, 2, 3}
  %last = rasp.map "last" %opp {-1 -> -2, 0 -> -1, 1 -> 0, 2 -> 1, 3 -> 2} : !rasp.sop<categorical> values {-2, -1, 0, 1, 2}
  %tag = rasp.sequence_map "tag" %tokens, %last {("a", -2) -> "neg", ("a", -1) -> "neg", ("a", 0) -> "a", ("a", 1) -> "a", ("a", 2) -> "a", ("b", -2) -> "neg", ("b", -1) -> "neg", ("b", 0) -> "b", ("b", 1) -> "b", ("b", 2) -> "b"} : !rasp.sop<categorical> values {"a", "b", "neg"}
  %near = rasp.select "near" %indices, %last {(0, -1), (0, 0), (1, 0), (1, 1), (2, -2), (2, 2)}
  %pick = rasp.aggregate "pick" %near, %tag default none : !rasp.sop<categorical> values {none, "a", "b", "neg"}
  rasp.output %pick : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %length = rasp.length "length" : !rasp.sop<categorical> values {1, 2, 3}
// CHECK-NEXT: %opp = rasp.linear_sequence_map "opp" %length, %indices factors 1, -1 : !rasp.sop<categorical> values {1, 2, 3}
// CHECK-NEXT: %last = rasp.map "last" %opp {1 -> 0, 2 -> 1, 3 -> 2} : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %tag = rasp.sequence_map "tag" %tokens, %last {("a", 0) -> "a", ("a", 1) -> "a", ("a", 2) -> "a", ("b", 0) -> "b", ("b", 1) -> "b", ("b", 2) -> "b"} : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %near = rasp.select "near" %indices, %last {(0, 0), (1, 0), (1, 1), (2, 2)}
// CHECK-NEXT: %pick = rasp.aggregate "pick" %near, %tag default none : !rasp.sop<categorical> values {none, "a", "b"}
// CHECK-NEXT: rasp.output %pick : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// An `error` entry reached by some (L, i) stays: half raises at index 1, so
// every input longer than one token is rejected, as before. Positions where an
// input raises produce no value and no pair: `pairs` meets (0, 1), (0, 2) and
// (0, 3) at index 0 and (1, 3) at index 2, never (1, 1) or (1, 2).

rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  %length = rasp.length "length" : !rasp.sop<categorical> values {1, 2, 3}
  %half = rasp.map "half" %indices {0 -> 0, 1 -> error, 2 -> 1} : !rasp.sop<categorical> values {0, 1}
  %pairs = rasp.sequence_map "pairs" %half, %length {(0, 1) -> "01", (0, 2) -> "02", (0, 3) -> "03", (1, 1) -> "11", (1, 2) -> "12", (1, 3) -> "13"} : !rasp.sop<categorical> values {"01", "02", "03", "11", "12", "13"}
  rasp.output %pairs : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %length = rasp.length "length" : !rasp.sop<categorical> values {1, 2, 3}
// CHECK-NEXT: %half = rasp.map "half" %indices {0 -> 0, 1 -> error, 2 -> 1} : !rasp.sop<categorical> values {0, 1}
// CHECK-NEXT: %pairs = rasp.sequence_map "pairs" %half, %length {(0, 1) -> "01", (0, 2) -> "02", (0, 3) -> "03", (1, 1) -> error, (1, 2) -> error, (1, 3) -> "13"} : !rasp.sop<categorical> values {"01", "02", "03", "13"}
// CHECK-NEXT: rasp.output %pairs : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// Nothing positional, so only two rules apply: the width of a select of the
// tokens against themselves with `eq` is at least 1 (each query selects its
// own position), so `hist` loses 0; `both` then drops the rows for 0, which
// were its only none entries, and none leaves its value set. The numerical
// aggregate and the map of the tokens keep their sets.

rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %is_a = rasp.map "is_a" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1}
  %same = rasp.select "same" %tokens, %tokens eq
  %hist = rasp.selector_width "hist" %same : !rasp.sop<categorical> values {0, 1, 2, 3}
  %frac = rasp.aggregate "frac" %same, %is_a default 0 : !rasp.sop<numerical> values {0, 0.0, 0.3333333333333333, 0.5, 0.6666666666666666, 1, 1.0}
  %both = rasp.sequence_map "both" %hist, %tokens {(0, "a") -> none, (0, "b") -> none, (1, "a") -> (1, "a"), (1, "b") -> (1, "b"), (2, "a") -> (2, "a"), (2, "b") -> (2, "b"), (3, "a") -> (3, "a"), (3, "b") -> (3, "b")} : !rasp.sop<categorical> values {none, (1, "a"), (1, "b"), (2, "a"), (2, "b"), (3, "a"), (3, "b")}
  rasp.output %both : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %is_a = rasp.map "is_a" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1}
// CHECK-NEXT: %same = rasp.select "same" %tokens, %tokens eq
// CHECK-NEXT: %hist = rasp.selector_width "hist" %same : !rasp.sop<categorical> values {1, 2, 3}
// CHECK-NEXT: %frac = rasp.aggregate "frac" %same, %is_a default 0 : !rasp.sop<numerical> values {0, 0.0, 0.3333333333333333, 0.5, 0.6666666666666666, 1, 1.0}
// CHECK-NEXT: %both = rasp.sequence_map "both" %hist, %tokens {(1, "a") -> (1, "a"), (1, "b") -> (1, "b"), (2, "a") -> (2, "a"), (2, "b") -> (2, "b"), (3, "a") -> (3, "a"), (3, "b") -> (3, "b")} : !rasp.sop<categorical> values {(1, "a"), (1, "b"), (2, "a"), (2, "b"), (3, "a"), (3, "b")}
// CHECK-NEXT: rasp.output %both : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }
