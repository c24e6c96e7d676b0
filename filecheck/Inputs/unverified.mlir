rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %m = rasp.map "m" %tokens {"a" -> 1} : !rasp.sop<categorical> values {1}
  rasp.output %m : !rasp.sop<categorical>
}
