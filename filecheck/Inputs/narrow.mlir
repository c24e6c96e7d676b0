// A program whose `code` can move later without deepening it (schedule-layers.mlir, narrow=true).
builtin.module {
  rasp.program vocab {"a", "b", "c", "d", "e", "f", "g", "h"} max_seq_len 3 bos "BOS" pad "PAD" {
    %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c", "d", "e", "f", "g", "h"}
    %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
    %isa = rasp.map "isa" %tokens {"a" -> 1, "b" -> 0, "c" -> 0, "d" -> 0, "e" -> 0, "f" -> 0, "g" -> 0, "h" -> 0} : !rasp.sop<numerical> values {0, 1}
    %select = rasp.select "select" %indices, %indices leq
    %frac = rasp.aggregate "frac" %select, %isa default 0 : !rasp.sop<numerical> values {0, 0.0, 0.3333333333333333, 0.5, 0.6666666666666666, 1, 1.0}
    %big = rasp.map "big" %frac {0 -> false, 0.0 -> false, 0.3333333333333333 -> true, 0.5 -> true, 0.6666666666666666 -> true, 1 -> true, 1.0 -> true} : !rasp.sop<categorical> values {false, true}
    %code = rasp.map "code" %tokens {"a" -> 0, "b" -> 1, "c" -> 2, "d" -> 3, "e" -> 4, "f" -> 5, "g" -> 6, "h" -> 0} : !rasp.sop<categorical> values {0, 1, 2, 3, 4, 5, 6}
    %out = rasp.sequence_map "out" %big, %code {(false, 0) -> -1, (false, 1) -> -1, (false, 2) -> -1, (false, 3) -> -1, (false, 4) -> -1, (false, 5) -> -1, (false, 6) -> -1, (true, 0) -> 0, (true, 1) -> 1, (true, 2) -> 2, (true, 3) -> 3, (true, 4) -> 4, (true, 5) -> 5, (true, 6) -> 6} : !rasp.sop<categorical> values {-1, 0, 1, 2, 3, 4, 5, 6}
    %final = rasp.sequence_map "final" %out, %tokens {(-1, "a") -> "-1a", (-1, "b") -> "-1b", (-1, "c") -> "-1c", (-1, "d") -> "-1d", (-1, "e") -> "-1e", (-1, "f") -> "-1f", (-1, "g") -> "-1g", (-1, "h") -> "-1h", (0, "a") -> "0a", (0, "b") -> "0b", (0, "c") -> "0c", (0, "d") -> "0d", (0, "e") -> "0e", (0, "f") -> "0f", (0, "g") -> "0g", (0, "h") -> "0h", (1, "a") -> "1a", (1, "b") -> "1b", (1, "c") -> "1c", (1, "d") -> "1d", (1, "e") -> "1e", (1, "f") -> "1f", (1, "g") -> "1g", (1, "h") -> "1h", (2, "a") -> "2a", (2, "b") -> "2b", (2, "c") -> "2c", (2, "d") -> "2d", (2, "e") -> "2e", (2, "f") -> "2f", (2, "g") -> "2g", (2, "h") -> "2h", (3, "a") -> "3a", (3, "b") -> "3b", (3, "c") -> "3c", (3, "d") -> "3d", (3, "e") -> "3e", (3, "f") -> "3f", (3, "g") -> "3g", (3, "h") -> "3h", (4, "a") -> "4a", (4, "b") -> "4b", (4, "c") -> "4c", (4, "d") -> "4d", (4, "e") -> "4e", (4, "f") -> "4f", (4, "g") -> "4g", (4, "h") -> "4h", (5, "a") -> "5a", (5, "b") -> "5b", (5, "c") -> "5c", (5, "d") -> "5d", (5, "e") -> "5e", (5, "f") -> "5f", (5, "g") -> "5g", (5, "h") -> "5h", (6, "a") -> "6a", (6, "b") -> "6b", (6, "c") -> "6c", (6, "d") -> "6d", (6, "e") -> "6e", (6, "f") -> "6f", (6, "g") -> "6g", (6, "h") -> "6h"} : !rasp.sop<categorical> values {"-1a", "-1b", "-1c", "-1d", "-1e", "-1f", "-1g", "-1h", "0a", "0b", "0c", "0d", "0e", "0f", "0g", "0h", "1a", "1b", "1c", "1d", "1e", "1f", "1g", "1h", "2a", "2b", "2c", "2d", "2e", "2f", "2g", "2h", "3a", "3b", "3c", "3d", "3e", "3f", "3g", "3h", "4a", "4b", "4c", "4d", "4e", "4f", "4g", "4h", "5a", "5b", "5c", "5d", "5e", "5f", "5g", "5h", "6a", "6b", "6c", "6d", "6e", "6f", "6g", "6h"}
    rasp.output %final : !rasp.sop<categorical>
  }
}

