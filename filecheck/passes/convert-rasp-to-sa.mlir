// RUN: raspir-opt %s --split-input-file --verify-diagnostics -p convert-rasp-to-sa | filecheck %s --match-full-lines
// RUN: raspir-opt %s --split-input-file --verify-diagnostics -p convert-rasp-to-sa | filecheck %s --check-prefix=NORASP
// RUN: raspir-opt %s --split-input-file --verify-diagnostics -p convert-rasp-to-sa 2>&1 >/dev/null | filecheck %s --check-prefix=WARN

// No rasp op survives the conversion.
// NORASP-NOT: rasp.{{[a-z_]+}} "

// Categorical lowerings: rasp.length and a selector width become counts (length
// over the token embedding, `true`), a linear map of categorical inputs a pair
// lookup with its table spelled out, maps lookups, the aggregate a head carrying
// its selector's keys, queries and predicate; selects disappear.

rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  %length = rasp.length "length" : !rasp.sop<categorical> values {1, 2, 3}
  %opp = rasp.linear_sequence_map "opp" %length, %indices factors 1, -1 : !rasp.sop<categorical> values {-1, 0, 1, 2, 3}
  %last = rasp.map "last" %opp {-1 -> -2, 0 -> -1, 1 -> 0, 2 -> 1, 3 -> 2} : !rasp.sop<categorical> values {-2, -1, 0, 1, 2}
  %flip = rasp.select "flip" %indices, %last eq
  %rev = rasp.aggregate "rev" %flip, %tokens default none : !rasp.sop<categorical> values {none, "a", "b"}
  %upper = rasp.map "upper" %rev {none -> none, "a" -> "A", "b" -> none} : !rasp.sop<categorical> values {none, "A"}
  %same = rasp.select "same" %tokens, %tokens eq
  %hist = rasp.selector_width "hist" %same : !rasp.sop<categorical> values {0, 1, 2, 3}
  %pair = rasp.sequence_map "pair" %upper, %hist {(none, 0) -> none, (none, 1) -> none, (none, 2) -> none, (none, 3) -> none, ("A", 0) -> ("A", 0), ("A", 1) -> ("A", 1), ("A", 2) -> ("A", 2), ("A", 3) -> ("A", 3)} : !rasp.sop<categorical> values {none, ("A", 0), ("A", 1), ("A", 2), ("A", 3)}
  rasp.output %pair : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: sa.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
// CHECK-NEXT: %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1, 2} noise 0.0
// CHECK-NEXT: %length = sa.count "length" %tokens, %tokens true sharpness 6.867085883995223 margin 0.003125000000000001 : !rasp.sop<categorical> values {1, 2, 3} noise 4.867420620180785e-07
// CHECK-NEXT: %opp = sa.pair_lookup "opp" %length, %indices {(1, 0) -> 1, (1, 1) -> 0, (1, 2) -> -1, (2, 0) -> 2, (2, 1) -> 1, (2, 2) -> 0, (3, 0) -> 3, (3, 1) -> 2, (3, 2) -> 1} : !rasp.sop<categorical> values {-1, 0, 1, 2, 3} noise 1.0330887688115476e-06
// CHECK-NEXT: %last = sa.lookup "last" %opp {-1 -> -2, 0 -> -1, 1 -> 0, 2 -> 1, 3 -> 2} : !rasp.sop<categorical> values {-2, -1, 0, 1, 2} noise 2.125782182398486e-06
// CHECK-NEXT: %rev = sa.aggregate "rev" %indices, %last, %tokens eq sharpness 11.958223412909158 : !rasp.sop<categorical> values {none, "a", "b"} noise 0.012656488418579102
// CHECK-NEXT: %upper = sa.lookup "upper" %rev {none -> none, "a" -> "A", "b" -> none} : !rasp.sop<categorical> values {none, "A"} noise 0.02531303644180298
// CHECK-NEXT: %hist = sa.count "hist" %tokens, %tokens eq sharpness 6.867085883995223 margin 0.003125000000000001 : !rasp.sop<categorical> values {0, 1, 2, 3} noise 6.070902938257142e-07
// CHECK-NEXT: %pair = sa.pair_lookup "pair" %upper, %hist {(none, 0) -> none, (none, 1) -> none, (none, 2) -> none, (none, 3) -> none, ("A", 0) -> ("A", 0), ("A", 1) -> ("A", 1), ("A", 2) -> ("A", 2), ("A", 3) -> ("A", 3)} : !rasp.sop<categorical> values {none, ("A", 0), ("A", 1), ("A", 2), ("A", 3)} noise 0.050627346668838384
// CHECK-NEXT: sa.output %pair : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// Numerical lowerings: a categorical→numerical lookup, the mean head, a full,
// linear MLPs, and discretising MLPs (numerical→numerical and →categorical) whose
// margin is the noise of their input; `causal` is kept.

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" causal {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
  %is_a = rasp.map "is_a" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1}
  %prevs = rasp.select "prevs" %indices, %indices leq
  %frac = rasp.aggregate "frac" %prevs, %is_a default 0 : !rasp.sop<numerical> values {0, 0.0, 0.5, 1, 1.0}
  %one = rasp.full "one" fill 1 : !rasp.sop<numerical> values {1}
  %diff = rasp.linear_sequence_map "diff" %frac, %one factors 2, -1 : !rasp.sop<numerical> values {-1, -1.0, 0.0, 1, 1.0}
  %half = rasp.map "half" %frac {0 -> 0.0, 0.0 -> 0.0, 0.5 -> 0.25, 1 -> 0.5, 1.0 -> 0.5} : !rasp.sop<numerical> values {0.0, 0.25, 0.5}
  %total = rasp.linear_sequence_map "total" %diff, %half factors 1, 1 : !rasp.sop<numerical> values {-1.0, -0.75, -0.5, 0.0, 0.25, 0.5, 1.0, 1.25, 1.5}
  %positive = rasp.map "positive" %total {-1.0 -> false, -0.75 -> false, -0.5 -> false, 0.0 -> false, 0.25 -> true, 0.5 -> true, 1.0 -> true, 1.25 -> true, 1.5 -> true} : !rasp.sop<categorical> values {false, true}
  rasp.output %positive : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" causal {
// CHECK-NEXT: %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
// CHECK-NEXT: %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1} noise 0.0
// CHECK-NEXT: %is_a = sa.lookup "is_a" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1} noise 5.960464477539063e-08
// CHECK-NEXT: %frac = sa.aggregate "frac" %indices, %indices, %is_a leq sharpness 15.095447760472215 : !rasp.sop<numerical> values {0, 0.0, 0.5, 1, 1.0} noise 0.003164271116256713
// CHECK-NEXT: %one = sa.full "one" fill 1 : !rasp.sop<numerical> values {1} noise 0.0
// CHECK-NEXT: %diff = sa.linear "diff" %frac, %one factors 2, -1 : !rasp.sop<numerical> values {-1, -1.0, 0.0, 1, 1.0} noise 0.006329257488250731
// CHECK-NEXT: %half = sa.discretise "half" %frac {0 -> 0.0, 0.0 -> 0.0, 0.5 -> 0.25, 1 -> 0.5, 1.0 -> 0.5} margin 0.003164271116256713 : !rasp.sop<numerical> values {0.0, 0.25, 0.5} noise 1.2073747395674576e-07
// CHECK-NEXT: %total = sa.linear "total" %diff, %half factors 1, 1 : !rasp.sop<numerical> values {-1.0, -0.75, -0.5, 0.0, 0.25, 0.5, 1.0, 1.25, 1.5} noise 0.0063297358535933405
// CHECK-NEXT: %positive = sa.discretise "positive" %total {-1.0 -> false, -0.75 -> false, -0.5 -> false, 0.0 -> false, 0.25 -> true, 0.5 -> true, 1.0 -> true, 1.25 -> true, 1.5 -> true} margin 0.0063297358535933405 : !rasp.sop<categorical> values {false, true} noise 1.255677764015398e-06
// CHECK-NEXT: sa.output %positive : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// rasp.length with only a numerical token embedding: the pass adds a categorical
// one to count over. A categorical full stays an embedding.

rasp.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<numerical> values {1, 2}
  %length = rasp.length "length" : !rasp.sop<numerical> values {1, 2}
  %fill = rasp.full "fill" fill "x" : !rasp.sop<categorical> values {"x"}
  rasp.output %length : !rasp.sop<numerical>
}

// CHECK: builtin.module {
// CHECK-NEXT: sa.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = sa.tokens "tokens" : !rasp.sop<numerical> values {1, 2} noise 0.0
// CHECK-NEXT: %tokens_1 = sa.tokens "tokens" : !rasp.sop<categorical> values {1, 2} noise 0.0
// CHECK-NEXT: %length = sa.count "length" %tokens_1, %tokens_1 true sharpness 6.23841618196509 margin 0.00390625 : !rasp.sop<numerical> values {1, 2} noise 2.4318695068359365e-07
// CHECK-NEXT: %fill = sa.full "fill" fill "x" : !rasp.sop<categorical> values {"x"} noise 0.0
// CHECK-NEXT: sa.output %length : !rasp.sop<numerical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// In a causal program rasp.length is the prefix length i + 1: the count head
// over every key sees the keys up to its query. It lowers as in a non-causal
// program (here with its map), and the pass warns that the meaning changed.

rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" causal {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %length = rasp.length "length" : !rasp.sop<categorical> values {1, 2, 3}
  %parity = rasp.map "parity" %length {1 -> 1, 2 -> 0, 3 -> 1} : !rasp.sop<categorical> values {0, 1}
  %tagged = rasp.sequence_map "tagged" %tokens, %parity {("a", 0) -> "a0", ("a", 1) -> "a1", ("b", 0) -> "b0", ("b", 1) -> "b1"} : !rasp.sop<categorical> values {"a0", "a1", "b0", "b1"}
  rasp.output %tagged : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: sa.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" causal {
// CHECK-NEXT: %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
// CHECK-NEXT: %parity = sa.count "parity" %tokens, %tokens true sharpness 6.867085883995223 margin 0.003125000000000001 then {1 -> 1, 2 -> 0, 3 -> 1} : !rasp.sop<categorical> values {0, 1} noise 4.867420620180785e-07
// CHECK-NEXT: %tagged = sa.pair_lookup "tagged" %tokens, %parity {("a", 0) -> "a0", ("a", 1) -> "a1", ("b", 0) -> "b0", ("b", 1) -> "b1"} : !rasp.sop<categorical> values {"a0", "a1", "b0", "b1"} noise 1.0330887688115476e-06
// CHECK-NEXT: sa.output %tagged : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// WARN: raspir-opt: warning: causal=True: rasp.length 'length' is the length of the prefix up to each position (i + 1 at i); a causal model sees only earlier positions, so it computes rasp.evaluate(..., causal=True), which can differ from the non-causal evaluation

// -----

// == Diagnostics: what the pass cannot lower is named, op and reason ==

// A composite selector (and, not): rasp-legalize must run first.

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
  %same = rasp.select "same" %tokens, %tokens eq
  %before = rasp.select "before" %indices, %indices lt
  %both = rasp.select_and "both" %same, %before
  %prev = rasp.aggregate "prev" %both, %tokens default none : !rasp.sop<categorical> values {none, "a", "b"}
  rasp.output %prev : !rasp.sop<categorical>
}

// CHECK: rasp.select_and 'both': composite selectors (select_and, select_or, select_not) have no head of their own; run rasp-legalize first, which makes them one select

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
  %same = rasp.select "same" %tokens, %tokens eq
  %other = rasp.select_not "other" %same
  %n = rasp.selector_width "n" %other : !rasp.sop<categorical> values {0, 1, 2}
  rasp.output %n : !rasp.sop<categorical>
}

// CHECK: rasp.select_not 'other': composite selectors (select_and, select_or, select_not) have no head of their own; run rasp-legalize first, which makes them one select

// -----

// Numerical keys or queries compared by anything but eq (eq has a quadratic
// score).

rasp.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<numerical> values {1, 2}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
  %s = rasp.select "by_value" %tokens, %indices lt
  %n = rasp.selector_width "n" %s : !rasp.sop<categorical> values {0, 1, 2}
  rasp.output %n : !rasp.sop<categorical>
}

// CHECK: rasp.select 'by_value': numerical keys can only be compared with eq; run rasp-legalize first, which reads them as categories

// -----

rasp.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<numerical> values {1, 2}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
  %s = rasp.select "by_value" %indices, %tokens geq
  %a = rasp.aggregate "a" %s, %indices default none : !rasp.sop<categorical> values {none, 0, 1}
  rasp.output %a : !rasp.sop<categorical>
}

// CHECK: rasp.select 'by_value': numerical queries can only be compared with eq; run rasp-legalize first, which reads them as categories

// -----

// Aggregate defaults. A default other than none (categorical) or 0
// (numerical) is kept on the head as `default` ("z", a value no input takes;
// -2; 0.0, which is not 0 type-exactly): the head writes it from the BOS key.
// The implicit ones (none, 0) print nothing.

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
  %is_a = rasp.map "is_a" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1}
  %prev = rasp.select "prev" %indices, %indices {(0, 1)}
  %a = rasp.aggregate "prev_token" %prev, %tokens default "z" : !rasp.sop<categorical> values {"a", "b", "z"}
  %before = rasp.select "before" %indices, %indices lt
  %b = rasp.aggregate "before_a" %before, %is_a default -2 : !rasp.sop<numerical> values {-2, 0, 1}
  %c = rasp.aggregate "before_zero" %before, %is_a default 0.0 : !rasp.sop<numerical> values {0, 0.0, 1}
  %d = rasp.aggregate "prev_or_none" %prev, %tokens default none : !rasp.sop<categorical> values {none, "a", "b"}
  %e = rasp.aggregate "before_or_0" %before, %is_a default 0 : !rasp.sop<numerical> values {0, 1}
  rasp.output %a : !rasp.sop<categorical>
}

// CHECK: %a = sa.aggregate "prev_token" %indices, %indices, %tokens {(0, 1)} sharpness 6.931478481330809 default "z" : !rasp.sop<categorical> values {"a", "b", "z"} noise 0.12500041723251343
// CHECK-NEXT: %b = sa.aggregate "before_a" %indices, %indices, %is_a lt sharpness 23.407854519508454 default -2 : !rasp.sop<numerical> values {-2, 0, 1} noise 0.00010086426734924324
// CHECK-NEXT: %c = sa.aggregate "before_zero" %indices, %indices, %is_a lt sharpness 23.398856150668028 default 0.0 : !rasp.sop<numerical> values {0, 0.0, 1} noise 5.02086162567139e-05
// CHECK-NEXT: %d = sa.aggregate "prev_or_none" %indices, %indices, %tokens {(0, 1)} sharpness 6.931474666624449 : !rasp.sop<categorical> values {none, "a", "b"} noise 0.12500017881393433
// CHECK-NEXT: %e = sa.aggregate "before_or_0" %indices, %indices, %is_a lt sharpness 23.398856150668028 : !rasp.sop<numerical> values {0, 1} noise 5.02086162567139e-05

// -----

// A numerical default must be a finite number: a head cannot write inf.

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
  %is_a = rasp.map "is_a" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1}
  %s = rasp.select "prevs" %indices, %indices lt
  %a = rasp.aggregate "frac" %s, %is_a default inf : !rasp.sop<numerical> values {0, 1, inf}
  rasp.output %a : !rasp.sop<numerical>
}

// CHECK: rasp.aggregate 'frac': its default inf is not a finite number, which a numerical head cannot write

// -----

// A constant is a function of the position, written by the position
// embedding; past its end (here, at index 2) the evaluator has no value.

rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %c = rasp.constant "c" [1, 2] : !rasp.sop<categorical> values {1, 2}
  %p = rasp.sequence_map "p" %tokens, %c {("a", 1) -> 1, ("a", 2) -> 2, ("b", 1) -> 1, ("b", 2) -> 2} : !rasp.sop<categorical> values {1, 2}
  rasp.output %p : !rasp.sop<categorical>
}

// CHECK: %c = sa.position_map "c" {0 -> 1, 1 -> 2, 2 -> error} : !rasp.sop<categorical> values {1, 2} noise 0.0

// -----

// A sequence_map with a numerical input.

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %x = rasp.map "x" %tokens {"a" -> 1, "b" -> 2} : !rasp.sop<numerical> values {1, 2}
  %p = rasp.sequence_map "p" %x, %tokens {(1, "a") -> 1, (1, "b") -> 2, (2, "a") -> 3, (2, "b") -> 4} : !rasp.sop<categorical> values {1, 2, 3, 4}
  rasp.output %p : !rasp.sop<categorical>
}

// CHECK: rasp.sequence_map 'p': a sequence_map with a numerical input has no construction; run rasp-legalize first, which reads the numbers as categories

// -----

// A numerical input is a number: 1 and 1.0 are one input and need one output.

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %x = rasp.map "x" %tokens {"a" -> 1, "b" -> 1.0} : !rasp.sop<numerical> values {1, 1.0}
  %m = rasp.map "kind" %x {1 -> "int", 1.0 -> "float"} : !rasp.sop<categorical> values {"float", "int"}
  rasp.output %m : !rasp.sop<categorical>
}

// CHECK: rasp.map 'kind': its numerical input 1.0 is the number 1.0 like another input, but maps to "float" instead of "int"

// -----

// For a numerical output they need only the same number: 0 and 0.0 are one
// output, so a map sending 0 to 0 and 0.0 to 0.0 compiles, to a discretising
// MLP whose only step is between 0 and 1.

rasp.program vocab {"a", "b", "c"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
  %x = rasp.map "x" %tokens {"a" -> 0, "b" -> 0.0, "c" -> 1} : !rasp.sop<numerical> values {0, 0.0, 1}
  %y = rasp.map "y" %x {0 -> 0, 0.0 -> 0.0, 1 -> 0.5} : !rasp.sop<numerical> values {0, 0.0, 0.5}
  rasp.output %y : !rasp.sop<numerical>
}

// CHECK: builtin.module {
// CHECK-NEXT: sa.program vocab {"a", "b", "c"} max_seq_len 2 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"} noise 0.0
// CHECK-NEXT: %x = sa.lookup "x" %tokens {"a" -> 0, "b" -> 0.0, "c" -> 1} : !rasp.sop<numerical> values {0, 0.0, 1} noise 5.960464477539063e-08
// CHECK-NEXT: %y = sa.discretise "y" %x {0 -> 0, 0.0 -> 0.0, 1 -> 0.5} margin 5.960464477539063e-08 : !rasp.sop<numerical> values {0, 0.0, 0.5} noise 1.1920930376163766e-07
// CHECK-NEXT: sa.output %y : !rasp.sop<numerical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// A linear map of a number and a categorical value, or with a categorical result.

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
  %x = rasp.map "x" %tokens {"a" -> 1, "b" -> 2} : !rasp.sop<numerical> values {1, 2}
  %l = rasp.linear_sequence_map "l" %x, %indices factors 1, 1 : !rasp.sop<numerical> values {1, 2, 3}
  rasp.output %l : !rasp.sop<numerical>
}

// CHECK: rasp.linear_sequence_map 'l': mixes a numerical and a categorical input

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %x = rasp.map "x" %tokens {"a" -> 1, "b" -> 2} : !rasp.sop<numerical> values {1, 2}
  %l = rasp.linear_sequence_map "l" %x, %x factors 1, 1 : !rasp.sop<categorical> values {2, 4}
  rasp.output %l : !rasp.sop<categorical>
}

// CHECK: rasp.linear_sequence_map 'l': a linear map of numbers must be numerical

// -----

// A max head: the winner leads by one rank step, c/(2(R + 1)) = c/6 for three
// values, so the sharpness is 6 times the margin ln(2*5/0.25) = 3.689 the
// leak budget asks for (a mean, leading by c/2, takes 2 times): 22.13.

rasp.program vocab {1, 2, 3} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2, 3}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  %prefix = rasp.select "prefix" %indices, %indices leq
  %top = rasp.aggregate "top" %prefix, %tokens default none max : !rasp.sop<categorical> values {none, 1, 2, 3}
  rasp.output %top : !rasp.sop<categorical>
}

// CHECK: %top = sa.aggregate "top" %indices, %indices, %tokens leq sharpness 22.13328816878633 max : !rasp.sop<categorical> values {none, 1, 2, 3} noise 0.1250002384185791

// -----

// A conjunction over pairs (as rasp-legalize writes tokens eq AND indices lt):
// the pairing is a view (sa.pair, no MLP, no layer) and the head sums one
// score per part.

rasp.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
  %both_keys = rasp.sequence_map "both_keys" %tokens, %indices {(1, 0) -> (1, 0), (1, 1) -> (1, 1), (2, 0) -> (2, 0), (2, 1) -> (2, 1)} : !rasp.sop<categorical> values {(1, 0), (1, 1), (2, 0), (2, 1)}
  %both = rasp.select "both" %both_keys, %both_keys {((1, 0), (1, 1)), ((2, 0), (2, 1))}
  %width = rasp.selector_width "width" %both : !rasp.sop<categorical> values {0, 1, 2}
  rasp.output %width : !rasp.sop<categorical>
}

// CHECK: %both_keys = sa.pair "both_keys" %tokens, %indices : !rasp.sop<categorical> values {(1, 0), (1, 1), (2, 0), (2, 1)} noise 0.0
// CHECK-NEXT: %width = sa.count "width" %both_keys, %both_keys {((1, 0), (1, 1)), ((2, 0), (2, 1))} sharpness 6.23841618196509 margin 0.00390625 : !rasp.sop<categorical> values {0, 1, 2} noise 4.853899516756571e-07
