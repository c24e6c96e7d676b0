rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}
  %s = rasp.select "s" %tokens, %tokens less
  rasp.output %tokens : !rasp.sop<categorical>
}
