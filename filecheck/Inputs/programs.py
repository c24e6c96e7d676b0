from raspir import rasp, lib
def frac(): return lib.make_frac_prevs(rasp.tokens == "x")
def rev(): return lib.make_reverse(rasp.tokens)
