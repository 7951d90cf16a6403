"""jieba's accurate mode with HMM, word for word as jieba 0.42 cuts, in one pass per block.

Segmenting titles was the largest part of reading new issues. jieba builds a dictionary
of word ends for every position, then walks it again with a generator per position to
find the most probable route, taking a logarithm for every candidate word. Here the
route is found while the word ends are searched, so the same arithmetic runs with far
less interpreter overhead. The tie rules are jieba's (the larger end wins an exact
tie), and unknown runs still go to its HMM (finalseg), so the words are exactly jieba's.
"""

from __future__ import annotations

from functools import lru_cache
from math import log

import jieba
from jieba import finalseg

_HAN = jieba.re_han_default
_SKIP = jieba.re_skip_default
# Runs of unknown characters recur across a township's issues (the same estates,
# companies and people), and the HMM is the slowest step of segmenting a title.
_HMM_RUNS_KEPT = 16_384


def cut(dt: jieba.Tokenizer, sentence: str) -> list[str]:
    """``dt.lcut(sentence, HMM=True)`` for an initialised tokenizer."""
    out: list[str] = []
    for blk in _HAN.split(sentence):
        if not blk:
            continue
        if _HAN.match(blk):
            _cut_block(dt, blk, out)
        else:
            for x in _SKIP.split(blk):
                if _SKIP.match(x):
                    out.append(x)
                else:
                    out.extend(x)  # one character at a time, as jieba does
    return out


def _cut_block(dt: jieba.Tokenizer, sentence: str, out: list[str]) -> None:
    freq = dt.FREQ
    known = freq.get
    logtotal = log(dt.total)
    n = len(sentence)
    # Best route from each position to the end: its log probability and first word's end.
    route_p = [0.0] * (n + 1)
    route_end = [0] * (n + 1)
    for idx in range(n - 1, -1, -1):
        best_p = 0.0
        best_end = -1
        i = idx
        # The dictionary holds every prefix of its words (count 0 when not a word).
        count = known(sentence[idx])
        while count is not None:
            if count:
                p = (log(count) - logtotal) + route_p[i + 1]
                # Ends come in increasing order, so an equal score from a later end is
                # jieba's tie rule (the larger end wins).
                if best_end < 0 or p >= best_p:
                    best_p, best_end = p, i
            i += 1
            if i == n:
                break
            count = known(sentence[idx : i + 1])
        if best_end < 0:
            # No dictionary word starts here: the character alone.
            char = sentence[idx]
            best_p = (log(freq.get(char) or 1) - logtotal) + route_p[idx + 1]
            best_end = idx
        route_p[idx] = best_p
        route_end[idx] = best_end
    x = 0
    buf = ""
    while x < n:
        y = route_end[x] + 1
        word = sentence[x:y]
        if y - x == 1:
            buf += word
        else:
            if buf:
                _flush(freq, buf, out)
                buf = ""
            out.append(word)
        x = y
    if buf:
        _flush(freq, buf, out)


def _flush(freq: dict[str, int], buf: str, out: list[str]) -> None:
    """Single characters in a row: one word, the HMM's words, or characters."""
    if len(buf) == 1:
        out.append(buf)
    elif not freq.get(buf):
        out.extend(_hmm_words(buf))
    else:
        out.extend(buf)


@lru_cache(maxsize=_HMM_RUNS_KEPT)
def _hmm_words(run: str) -> tuple[str, ...]:
    """The HMM's words for a run of characters (its model does not change at run time)."""
    if finalseg.Force_Split_Words:
        return tuple(finalseg.cut(run))  # words someone told jieba to split: its own path
    out: list[str] = []
    for blk in finalseg.re_han.split(run):
        if finalseg.re_han.match(blk):
            _hmm_block(blk, out)
        else:
            out.extend(x for x in finalseg.re_skip.split(blk) if x)
    return tuple(out)


# The HMM's four states: B(egin), M(iddle), E(nd) of a word, S(ingle character).
_MIN = finalseg.MIN_FLOAT
_START = finalseg.start_P
_TRANS = {(a, b): finalseg.trans_P[a].get(b, _MIN) for a in "BMES" for b in "BMES"}
_EB, _SB, _MM, _BM = _TRANS["E", "B"], _TRANS["S", "B"], _TRANS["M", "M"], _TRANS["B", "M"]
_SS, _ES, _BE, _ME = _TRANS["S", "S"], _TRANS["E", "S"], _TRANS["B", "E"], _TRANS["M", "E"]


def _hmm_block(blk: str, out: list[str]) -> None:
    """finalseg's Viterbi and cut for one block of Han characters, with the four states
    unrolled: jieba builds lists, tuples and whole paths per character and state, which
    made the HMM a third of segmenting a title. The sums are added in jieba's order and
    ties go its way (max over (probability, state) pairs: the later letter wins)."""
    emit = finalseg.emit_P
    eb, em, ee, es = emit["B"].get, emit["M"].get, emit["E"].get, emit["S"].get
    c = blk[0]
    b = _START["B"] + eb(c, _MIN)
    m = _START["M"] + em(c, _MIN)
    e = _START["E"] + ee(c, _MIN)
    s = _START["S"] + es(c, _MIN)
    # Per character after the first, the state before it on the best path to each state.
    back: list[tuple[str, str, str, str]] = []
    for c in blk[1:]:
        p = eb(c, _MIN)
        from_e, from_s = e + _EB + p, s + _SB + p
        nb, bb = (from_e, "E") if from_e > from_s else (from_s, "S")
        p = em(c, _MIN)
        from_m, from_b = m + _MM + p, b + _BM + p
        nm, bm = (from_b, "B") if from_b > from_m else (from_m, "M")
        p = ee(c, _MIN)
        from_b, from_m = b + _BE + p, m + _ME + p
        ne, be = (from_b, "B") if from_b > from_m else (from_m, "M")
        p = es(c, _MIN)
        from_s, from_e = s + _SS + p, e + _ES + p
        ns, bs = (from_e, "E") if from_e > from_s else (from_s, "S")
        b, m, e, s = nb, nm, ne, ns
        back.append((bb, bm, be, bs))
    state = "E" if e > s else "S"
    tags = [state]
    for step in reversed(back):
        state = step["BMES".index(state)]
        tags.append(state)
    tags.reverse()
    begin = nexti = 0
    for i, tag in enumerate(tags):
        if tag == "B":
            begin = i
        elif tag == "E":
            out.append(blk[begin : i + 1])
            nexti = i + 1
        elif tag == "S":
            out.append(blk[i])
            nexti = i + 1
    if nexti < len(blk):
        out.append(blk[nexti:])


def forget_runs() -> None:
    """Drop the remembered HMM words (for measurements of a cold start)."""
    _hmm_words.cache_clear()
