"""Texts that exercise the text preprocessing: scripts, punctuation, digits, spaces, edge cases."""

CORPUS = [
    "Men playing SPORT, in the café.",
    "Don't  ÉTÉ\tnaïve l’homme — «quoted» (x2.5) 1,000 #tag @user",
    "東京は晴れ 北京 서울",
    "Привет, МИР! Ελληνικά ΣΑΣ",
    "مرحبا بالعالم",
    "emoji 😀👍🏽 and ❤️ hearts",
    "",
    "   \t\n  ",
    "unseen zyzzyva qwertyuiop words",
    "a <unk> here, <UNK> there",
    "non\u00a0breaking\u2003spaces\u2028and\u200bzero",
    "cafe\u0301 decomposed",
    "word " * 20_000 + "end",  # 100,005 characters
]
