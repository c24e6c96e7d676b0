// RUN: raspir-opt %s --split-input-file --verify-diagnostics | filecheck %s --match-full-lines
// RUN: raspir-opt %s --split-input-file --verify-diagnostics | filecheck %s --check-prefix=ALLFAIL
// RUN: raspir-opt %s --split-input-file --verify-diagnostics | grep -c "| Operation does not verify: " | filecheck %s --check-prefix=COUNT

// Every chunk below fails verification: none is printed back as a module.
// All but one of the 44 chunks point at the offending op; the missing
// terminator is reported without a location.
// ALLFAIL-NOT: builtin.module {
// COUNT: 45

// == Function tables (rasp.map, rasp.sequence_map) ==

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %m = rasp.map "m" %tokens {"a" -> 1} : !rasp.sop<categorical> values {1}
  rasp.output %m : !rasp.sop<categorical>
}
// CHECK: rasp.map 'm': table does not cover input "b" of its input value set

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %m = rasp.map "m" %tokens {"a" -> 1, "b" -> 2} : !rasp.sop<categorical> values {1}
  rasp.output %m : !rasp.sop<categorical>
}
// CHECK: rasp.map 'm': table output 2 is not in the value set

// -----

// The output of an input marked `error` is not part of the value set.
rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %m = rasp.map "m" %tokens {"a" -> 1.0, "b" -> error} : !rasp.sop<categorical> values {1.5}
  rasp.output %m : !rasp.sop<categorical>
}
// CHECK: rasp.map 'm': table output 1.0 is not in the value set

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %m = rasp.map "m" %tokens {"a" -> 1, "b" -> 1, "c" -> 1} : !rasp.sop<categorical> values {1}
  rasp.output %m : !rasp.sop<categorical>
}
// CHECK: rasp.map 'm': table input "c" is not in the input value set

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
  %sm = rasp.sequence_map "pairs" %tokens, %indices {("a", 0) -> 0, ("a", 1) -> 1, ("b", 0) -> 0} : !rasp.sop<categorical> values {0, 1}
  rasp.output %sm : !rasp.sop<categorical>
}
// CHECK: rasp.sequence_map 'pairs': table does not cover input ("b", 1) of its input value set

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
  %sm = rasp.sequence_map "pairs" %tokens, %indices {("a", 0) -> 0, ("a", 1) -> 1, ("b", 0) -> 0, ("b", 1) -> 1, ("b", 2) -> 2} : !rasp.sop<categorical> values {0, 1, 2}
  rasp.output %sm : !rasp.sop<categorical>
}
// CHECK: rasp.sequence_map 'pairs': table input ("b", 2) is not in the input value set

// -----

// Table inputs are type-exact: the entries for 1 and true do not cover 1.0.
rasp.program vocab {1, 1.0} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 1.0}
  %m = rasp.map "m" %tokens {1 -> "a", true -> "b"} : !rasp.sop<categorical> values {"a", "b"}
  rasp.output %m : !rasp.sop<categorical>
}
// CHECK: rasp.map 'm': table does not cover input 1.0 of its input value set

// == Value sets and encodings ==

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %m = rasp.map "name" %tokens {"a" -> "x", "b" -> 1} : !rasp.sop<numerical> values {1, "x"}
  rasp.output %m : !rasp.sop<numerical>
}
// CHECK: rasp.map 'name': numerical s-op has non-numeric value "x" in its value set

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %m = rasp.map "opt" %tokens {"a" -> none, "b" -> 1} : !rasp.sop<numerical> values {none, 1}
  rasp.output %m : !rasp.sop<numerical>
}
// CHECK: rasp.map 'opt': numerical s-op has non-numeric value none in its value set

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<numerical> values {"a", "b"}
  rasp.output %tokens : !rasp.sop<numerical>
}
// CHECK: rasp.tokens 'tokens': numerical s-op has non-numeric value "a" in its value set

// == rasp.aggregate ==

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
  %sel = rasp.select "sel" %indices, %indices eq
  %agg = rasp.aggregate "agg" %sel, %indices default 0 : !rasp.sop<numerical> values {0, 0.5, 1}
  rasp.output %agg : !rasp.sop<numerical>
}
// CHECK: rasp.aggregate 'agg': aggregate of a categorical s-op must be categorical, not numerical

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<numerical> values {0, 1}
  %sel = rasp.select "sel" %indices, %indices leq
  %agg = rasp.aggregate "agg" %sel, %indices default none : !rasp.sop<categorical> values {none, 0, 1}
  rasp.output %agg : !rasp.sop<categorical>
}
// CHECK: rasp.aggregate 'agg': aggregate of a numerical s-op must be numerical, not categorical

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
  %sel = rasp.select "sel" %indices, %indices eq
  %agg = rasp.aggregate "agg" %sel, %tokens default "z" : !rasp.sop<categorical> values {none, "a", "b"}
  rasp.output %agg : !rasp.sop<categorical>
}
// CHECK: rasp.aggregate 'agg': default "z" is not in the value set

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<numerical> values {0, 1}
  %sel = rasp.select "sel" %indices, %indices leq
  %mean = rasp.aggregate "mean" %sel, %indices default -1 : !rasp.sop<numerical> values {0, 0.5, 1}
  rasp.output %mean : !rasp.sop<numerical>
}
// CHECK: rasp.aggregate 'mean': default -1 is not in the value set

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
  %sel = rasp.select "sel" %indices, %indices eq
  %agg = rasp.aggregate "agg" %sel, %tokens default none : !rasp.sop<categorical> values {none, "a"}
  rasp.output %agg : !rasp.sop<categorical>
}
// CHECK: rasp.aggregate 'agg': aggregated value "b" is not in the value set

// == rasp.selector_width, rasp.linear_sequence_map ==

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %sel = rasp.select "all" %tokens, %tokens true
  %w = rasp.selector_width "w" %sel : !rasp.sop<categorical> values {-1, 0, 1, 2}
  rasp.output %w : !rasp.sop<categorical>
}
// CHECK: rasp.selector_width 'w': selector_width can only produce counts, got -1

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %sel = rasp.select "all" %tokens, %tokens true
  %w = rasp.selector_width "w" %sel : !rasp.sop<numerical> values {0, 1, 1.5, 2}
  rasp.output %w : !rasp.sop<numerical>
}
// CHECK: rasp.selector_width 'w': selector_width can only produce counts, got 1.5

// -----

// A bool is not a count, even though true == 1.
rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %sel = rasp.select "all" %tokens, %tokens true
  %w = rasp.selector_width "w" %sel : !rasp.sop<categorical> values {false, true, 2}
  rasp.output %w : !rasp.sop<categorical>
}
// CHECK: rasp.selector_width 'w': selector_width can only produce counts, got false

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<numerical> values {0, 1}
  %l = rasp.linear_sequence_map "lin" %indices, %indices factors 1, "two" : !rasp.sop<numerical> values {0, 3}
  rasp.output %l : !rasp.sop<numerical>
}
// CHECK: rasp.linear_sequence_map 'lin': factors must be numbers, got "two"

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<numerical> values {0, 1}
  %l = rasp.linear_sequence_map "lin" %indices, %indices factors true, 1 : !rasp.sop<numerical> values {0, 2}
  rasp.output %l : !rasp.sop<numerical>
}
// CHECK: rasp.linear_sequence_map 'lin': factors must be numbers, got true

// == rasp.select with a relation, rasp.full, rasp.constant ==

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
  %sel = rasp.select "rel" %tokens, %indices {("a", 0), ("c", 1)}
  %w = rasp.selector_width "w" %sel : !rasp.sop<categorical> values {0, 1, 2}
  rasp.output %w : !rasp.sop<categorical>
}
// CHECK: rasp.select 'rel': selected key "c" is not in the keys' value set

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
  %sel = rasp.select "rel" %tokens, %indices {("a", 0), ("b", 2)}
  %w = rasp.selector_width "w" %sel : !rasp.sop<categorical> values {0, 1, 2}
  rasp.output %w : !rasp.sop<categorical>
}
// CHECK: rasp.select 'rel': selected query 2 is not in the queries' value set

// -----

// A relation's keys are type-exact: true is not the token 1.
rasp.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2}
  %sel = rasp.select "rel" %tokens, %tokens {(1, 2), (true, 1)}
  %w = rasp.selector_width "w" %sel : !rasp.sop<categorical> values {0, 1, 2}
  rasp.output %w : !rasp.sop<categorical>
}
// CHECK: rasp.select 'rel': selected key true is not in the keys' value set

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %f = rasp.full "three" fill 3 : !rasp.sop<categorical> values {2}
  rasp.output %f : !rasp.sop<categorical>
}
// CHECK: rasp.full 'three': fill value 3 is not in the value set

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %c = rasp.constant "c" [1, 2, (3)] : !rasp.sop<categorical> values {1, 2, 3}
  rasp.output %c : !rasp.sop<categorical>
}
// CHECK: rasp.constant 'c': constant value (3) is not in the value set

// -----

// Value sets are type-exact: 1 is in neither of 1.0 and true.
rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %c = rasp.constant "c" [1.0, true, 1] : !rasp.sop<categorical> values {1.0, true}
  rasp.output %c : !rasp.sop<categorical>
}
// CHECK: rasp.constant 'c': constant value 1 is not in the value set

// == rasp.program and rasp.output ==

// -----

rasp.program vocab {} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}
  rasp.output %tokens : !rasp.sop<categorical>
}
// CHECK: program vocab is empty

// -----

rasp.program vocab {"a", "b"} max_seq_len 0 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  rasp.output %tokens : !rasp.sop<categorical>
}
// CHECK: max_seq_len must be at least 1, got 0

// -----

rasp.program vocab {"a", "b"} max_seq_len -3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  rasp.output %tokens : !rasp.sop<categorical>
}
// CHECK: max_seq_len must be at least 1, got -3

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "X" pad "X" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  rasp.output %tokens : !rasp.sop<categorical>
}
// CHECK: bos and pad must differ, both are "X"

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "a" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  rasp.output %tokens : !rasp.sop<categorical>
}
// CHECK: bos token "a" is also in the vocab

// -----

// Membership is type-exact: pad 2.0 collides with the vocab's 2.0, while a
// vocab {1, 2} would accept it.
rasp.program vocab {1, 2.0} max_seq_len 2 bos 0 pad 2.0 {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2.0}
  rasp.output %tokens : !rasp.sop<categorical>
}
// CHECK: pad token 2.0 is also in the vocab

// -----

rasp.program vocab {"a", "b", "c"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "c"}
  rasp.output %tokens : !rasp.sop<categorical>
}
// CHECK: rasp.tokens value "b" is not in the value set of rasp.tokens 'tokens'

// -----

rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "pos" : !rasp.sop<categorical> values {0, 1}
  rasp.output %indices : !rasp.sop<categorical>
}
// CHECK: rasp.indices value 2 is not in the value set of rasp.indices 'pos'

// -----

rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
  %length = rasp.length "length" : !rasp.sop<numerical> values {0, 1, 2}
  rasp.output %length : !rasp.sop<numerical>
}
// CHECK: rasp.length value 3 is not in the value set of rasp.length 'length'

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  "test.termop"() : () -> ()
}
// CHECK: program body must end with rasp.output

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
}
// CHECK: Operation rasp.tokens terminates block in single-block region but is not a terminator

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  rasp.output %tokens : !rasp.sop<categorical>
  rasp.output %tokens : !rasp.sop<categorical>
}
// CHECK: 'rasp.output' must be the last operation in its parent block

// -----

%tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
rasp.output %tokens : !rasp.sop<categorical>
// CHECK: 'rasp.output' expects parent op 'rasp.program'

// == Generic form: what the custom syntax cannot express ==

// -----

"rasp.program"() <{vocab = #rasp.values<{"a"}>, max_seq_len = #builtin.int<1>, bos = #rasp.value<"BOS">, pad = #rasp.value<"PAD">, causal = false}> ({
  %tokens = "rasp.tokens"() <{values = #rasp.values<{"a"}>}> : () -> !rasp.sop<categorical>
  "rasp.output"(%tokens) : (!rasp.sop<categorical>) -> ()
}) : () -> ()
// CHECK: property 'label' expected in operation 'rasp.tokens'

// -----

"rasp.program"() <{vocab = #rasp.values<{"a"}>, max_seq_len = #builtin.int<1>, bos = #rasp.value<"BOS">, pad = #rasp.value<"PAD">, causal = false}> ({
  %tokens = "rasp.tokens"() <{label = "tokens", values = #rasp.values<{"a"}>}> : () -> !rasp.sop<categorical>
  %m = "rasp.map"(%tokens) <{table = #rasp.table<{"a" -> 1}>, label = "m", values = #rasp.values<{1}>}> : (!rasp.sop<categorical>) -> !rasp.selector
  "rasp.output"(%tokens) : (!rasp.sop<categorical>) -> ()
}) : () -> ()
// CHECK: result 'result' at position 0 does not verify:
// CHECK-NEXT: !rasp.selector should be of base attribute rasp.sop

// -----

"rasp.program"() <{vocab = #rasp.values<{"a"}>, max_seq_len = #builtin.int<1>, bos = #rasp.value<"BOS">, pad = #rasp.value<"PAD">, causal = false}> ({
  %tokens = "rasp.tokens"() <{label = "tokens", values = #rasp.values<{"a"}>}> : () -> !rasp.sop<categorical>
  %s = "rasp.select"(%tokens, %tokens) <{predicate = "lt", label = "s"}> : (!rasp.sop<categorical>, !rasp.sop<categorical>) -> !rasp.selector
  "rasp.output"(%tokens) : (!rasp.sop<categorical>) -> ()
}) : () -> ()
// CHECK: Unexpected attribute "lt"

// == Operand kinds (the custom syntax takes the operand's type from its definition) ==

// -----

rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}
  %s = rasp.select "s" %tokens, %tokens eq
  %m = rasp.map "m" %s {"a" -> 1} : !rasp.sop<categorical> values {1}
  rasp.output %m : !rasp.sop<categorical>
}
// CHECK: operand 'input' at position 0 does not verify:
// CHECK-NEXT: !rasp.selector should be of base attribute rasp.sop

// -----

rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}
  %n = rasp.select_not "n" %tokens
  %w = rasp.selector_width "w" %n : !rasp.sop<categorical> values {0, 1}
  rasp.output %w : !rasp.sop<categorical>
}
// CHECK: operand 'inner' at position 0 does not verify:
// CHECK-NEXT: !rasp.sop<categorical> should be of base attribute rasp.selector

// -----

// A max or min needs values that can be ordered.

rasp.program vocab {1, "a"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, "a"}
  %s = rasp.select "s" %tokens, %tokens eq
  %top = rasp.aggregate "top" %s, %tokens default none min : !rasp.sop<categorical> values {none, 1, "a"}
  rasp.output %top : !rasp.sop<categorical>
}
// CHECK: {{.*}}rasp.aggregate 'top': the min of values that cannot be ordered: {1, "a"}

// -----

// A max or min takes a selected value: no means in its value set.

rasp.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2}
  %x = rasp.map "x" %tokens {1 -> 1, 2 -> 2} : !rasp.sop<numerical> values {1, 2}
  %s = rasp.select "s" %tokens, %tokens leq
  %top = rasp.aggregate "top" %s, %x default 0 max : !rasp.sop<numerical> values {0, 1, 2}
  %bad = rasp.aggregate "bad" %s, %x default 0 max : !rasp.sop<numerical> values {0, 1, 1.5}
  rasp.output %bad : !rasp.sop<numerical>
}
// CHECK: {{.*}}rasp.aggregate 'bad': aggregated value 2 is not in the value set
