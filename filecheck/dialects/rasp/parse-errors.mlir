// RUN: raspir-opt %s --split-input-file --parsing-diagnostics | filecheck %s --match-full-lines
// RUN: raspir-opt %s --split-input-file --parsing-diagnostics | filecheck %s --check-prefix=ALLFAIL

// Every chunk below is malformed: none is printed back as a module.
// ALLFAIL-NOT: builtin.module {

// Unknown comparison keyword: named as such, with the comparisons that exist.
rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}
  %s = rasp.select "s" %tokens, %tokens less
  rasp.output %tokens : !rasp.sop<categorical>
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 3]]:41
// CHECK-NEXT: %s = rasp.select "s" %tokens, %tokens less
// CHECK-NEXT: ^^^^
// CHECK-NEXT: unknown comparison 'less', expected one of eq, lt, leq, gt, geq, neq, true, false or a relation {{[{][(]}}key, query), ...}

// -----

"rasp.program"() <{vocab = #rasp.values<{"a"}>, max_seq_len = #builtin.int<1>, bos = #rasp.value<"BOS">, pad = #rasp.value<"PAD">, causal = false}> ({
  %tokens = "rasp.tokens"() <{label = "tokens", values = #rasp.values<{"a"}>}> : () -> !rasp.sop<categorical>
  %s = "rasp.select"(%tokens, %tokens) <{predicate = #rasp.cmp<less>, label = "s"}> : (!rasp.sop<categorical>, !rasp.sop<categorical>) -> !rasp.selector
  "rasp.output"(%tokens) : (!rasp.sop<categorical>) -> ()
}) : () -> ()
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 3]]:64
// CHECK:      Expected one of 'eq', 'false', 'geq', 'gt', 'leq', 'lt', 'neq', 'true' (a comparison)

// -----

rasp.program vocab {"a", "b", "a"} max_seq_len 1 bos "BOS" pad "PAD" {
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 2]]:20
// CHECK-NEXT: rasp.program vocab {"a", "b", "a"} max_seq_len 1 bos "BOS" pad "PAD" {
// CHECK-NEXT: ^^^^^^^^^^^^^^^
// CHECK-NEXT: value set lists "a" twice

// -----

// Value sets are type-exact (1, 1.0 and true are three elements), but all NaNs,
// nested ones included, are one value.
rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, (nan, 1.0), 1.0, "a", true, (nan, 1.0)}
  rasp.output %tokens : !rasp.sop<categorical>
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 3]]:66
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, (nan, 1.0), 1.0, "a", true, (nan, 1.0)}
// CHECK-NEXT: ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
// CHECK-NEXT: value set lists (nan, 1.0) twice

// -----

rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}
  %m = rasp.map "m" %tokens {"a" -> 1, "a" -> 2} : !rasp.sop<categorical> values {1, 2}
  rasp.output %tokens : !rasp.sop<categorical>
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 3]]:29
// CHECK-NEXT: %m = rasp.map "m" %tokens {"a" -> 1, "a" -> 2} : !rasp.sop<categorical> values {1, 2}
// CHECK-NEXT: ^^^^^^^^^^^^^^^^^^^^
// CHECK-NEXT: function table lists "a" twice

// -----

// Table inputs are type-exact: 1 and true are two inputs, 1 twice is an error.
rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}
  %m = rasp.map "m" %tokens {1 -> "a", true -> "b", 1 -> "c"} : !rasp.sop<categorical> values {"a", "b", "c"}
  rasp.output %tokens : !rasp.sop<categorical>
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 3]]:29
// CHECK-NEXT: %m = rasp.map "m" %tokens {1 -> "a", true -> "b", 1 -> "c"} : !rasp.sop<categorical> values {"a", "b", "c"}
// CHECK-NEXT: ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
// CHECK-NEXT: function table lists 1 twice

// -----

// Relations too: (1, 2) and (1.0, 2) are two pairs.
rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}
  %s = rasp.select "s" %tokens, %tokens {(1, 2), (1.0, 2), ("a", "a"), (1, 2)}
  rasp.output %tokens : !rasp.sop<categorical>
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 3]]:41
// CHECK-NEXT: %s = rasp.select "s" %tokens, %tokens {(1, 2), (1.0, 2), ("a", "a"), (1, 2)}
// CHECK-NEXT: ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
// CHECK-NEXT: relation lists (1, 2) twice

// -----

// A string literal left open at the end of its line is reported at its
// opening quote.
rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}
  %f = rasp.full "f" fill "abc : !rasp.sop<categorical> values {1}
  rasp.output %tokens : !rasp.sop<categorical>
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 3]]:27
// CHECK-NEXT: %f = rasp.full "f" fill "abc : !rasp.sop<categorical> values {1}
// CHECK-NEXT: ^
// CHECK-NEXT: unterminated string literal

// -----

rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}
  %m = rasp.map "m" %tokens {"a" 1} : !rasp.sop<categorical> values {1}
  rasp.output %tokens : !rasp.sop<categorical>
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 3]]:34
// CHECK:      Expected '->' between a table input and its output

// -----

rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> {"a"}
  rasp.output %tokens : !rasp.sop<categorical>
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 3]]:59
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> {"a"}
// CHECK-NEXT: ^
// CHECK-NEXT: Expected 'values'

// -----

rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens : !rasp.sop<categorical> values {"a"}
  rasp.output %tokens : !rasp.sop<categorical>
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 3]]:25
// CHECK:      string literal expected (the s-op's label)

// -----

rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %m = rasp.map "m" %tokens {"a" -> 1} : !rasp.sop<categorical> values {1}
  rasp.output %m : !rasp.sop<categorical>
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 3]]:21
// CHECK-NEXT: %m = rasp.map "m" %tokens {"a" -> 1} : !rasp.sop<categorical> values {1}
// CHECK-NEXT: ^^^^^^^
// CHECK-NEXT: %tokens is used before it is defined

// -----

// Operands must be defined before their use, even later in the same block.
rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %s = rasp.select "s" %tokens, %tokens eq
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}
  rasp.output %tokens : !rasp.sop<categorical>
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 4]]:24
// CHECK:      %tokens is used before it is defined

// -----

// rasp.output resolves its operand at the end of the region.
rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}
  rasp.output %undefined : !rasp.sop<categorical>
}
// CHECK:      {{.*}}parse-errors.mlir:{{[0-9]+}}:1
// CHECK:      values used but not defined: [%undefined]

// -----

rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}
  rasp.output %tokens : !rasp.sop<numerical>
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 2]]:15
// CHECK:      operand is used with type !rasp.sop<numerical>, but has been previously used or defined with type !rasp.sop<categorical>

// -----

rasp.program vocab {(1, "a"} max_seq_len 1 bos "BOS" pad "PAD" {
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 2]]:28
// CHECK-NEXT: rasp.program vocab {(1, "a"} max_seq_len 1 bos "BOS" pad "PAD" {
// CHECK-NEXT: ^
// CHECK-NEXT: Expected ')' to close a tuple value

// -----

rasp.program vocab {-"a"} max_seq_len 1 bos "BOS" pad "PAD" {
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 2]]:22
// CHECK-NEXT: rasp.program vocab {-"a"} max_seq_len 1 bos "BOS" pad "PAD" {
// CHECK-NEXT: ^^^
// CHECK-NEXT: expected a number or 'inf' after '-'

// -----

rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad -nan {
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 2]]:55
// CHECK:      expected a number or 'inf' after '-'

// -----

rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {foo}
  rasp.output %tokens : !rasp.sop<categorical>
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 3]]:67
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {foo}
// CHECK-NEXT: ^^^
// CHECK-NEXT: expected a RASP value (none, true, false, a number, a string or a tuple)

// -----

// `error` is only a table output, not a value.
rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}
  %m = rasp.map "m" %tokens {"a" -> error} : !rasp.sop<categorical> values {error}
  rasp.output %tokens : !rasp.sop<categorical>
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 3]]:77
// CHECK:      expected a RASP value (none, true, false, a number, a string or a tuple)

// -----

// The error points at the element that is not a pair.
rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}
  %s = rasp.select "s" %tokens, %tokens {("a", "a"), "a"}
  rasp.output %tokens : !rasp.sop<categorical>
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 3]]:54
// CHECK:      a relation holds (key, query) pairs, got "a"

// -----

rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}
  %s = rasp.select "s" %tokens, %tokens {("a", "a", "a")}
  rasp.output %tokens : !rasp.sop<categorical>
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 3]]:42
// CHECK:      a relation holds (key, query) pairs, got ("a", "a", "a")

// -----

rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<foo> values {"a"}
  rasp.output %tokens : !rasp.sop<categorical>
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 3]]:46
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<foo> values {"a"}
// CHECK-NEXT: ^^^
// CHECK-NEXT: Expected one of 'categorical', 'numerical' (the encoding of an s-op)

// -----

rasp.program vocab {"a"} max_seq_len 2.5 bos "BOS" pad "PAD" {
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 2]]:38
// CHECK:      Expected integer literal

// -----

rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}
  %s = rasp.select "s" %tokens eq
  rasp.output %tokens : !rasp.sop<categorical>
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 3]]:32
// CHECK:      Expected ','

// -----

rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<numerical> values {1}
  %l = rasp.linear_sequence_map "l" %tokens, %tokens factors 1 2 : !rasp.sop<numerical> values {3}
  rasp.output %tokens : !rasp.sop<numerical>
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 3]]:64
// CHECK:      Expected ','

// -----

rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}
  %c = rasp.constant "c" ["a", "a"] checked : !rasp.sop<categorical> values {"a"}
  rasp.output %tokens : !rasp.sop<categorical>
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 3]]:37
// CHECK:      Expected ':'

// -----

rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}
  %s = rasp.select "s" %tokens, %tokens eq
  %a = rasp.aggregate "a" %s, %tokens : !rasp.sop<categorical> values {"a"}
  rasp.output %tokens : !rasp.sop<categorical>
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 3]]:39
// CHECK:      Expected 'default'

// -----

// An escape xDSL's lexer does not read: reported at once (the lexer itself
// backtracks exponentially on such a literal).
rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "transformer/layer_2/mlp/linea\r_1/w" : !rasp.sop<categorical> values {"a"}
  rasp.output %tokens : !rasp.sop<categorical>
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 3]]:55
// CHECK-NEXT: %tokens = rasp.tokens "transformer/layer_2/mlp/linea\r_1/w" : !rasp.sop<categorical> values {"a"}
// CHECK-NEXT: ^^
// CHECK-NEXT: invalid escape sequence \r in a string literal (use \n, \t, \\, \" or two hex digits)

// -----

// Brackets nested deeper than any IR needs, before they exhaust the stack.
rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %f = rasp.full "f" fill ((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))) : !rasp.sop<categorical> values {1}
  rasp.output %f : !rasp.sop<categorical>
}
// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE - 3]]:90
// CHECK:      brackets nest more than 64 deep
