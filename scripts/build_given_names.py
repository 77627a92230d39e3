"""Build ``briefings/lang/en/given_names.txt`` from the US Census 1990 first-name lists.

The lists (public domain) ship in the MIT-licensed ``names`` distribution on PyPI as
``dist.male.first`` and ``dist.female.first``: one name per line with the percentage of
men (or women) who bear it. A name goes in when at least ``--min`` percent of one sex
bear it and at least ``--ratio`` times as often as the other; a name that is also a
common East Asian surname is left out, since such names are often written surname
first ("Kim Jong Un", "Li Keqiang") and the first word is then no given name at all.

    python scripts/build_given_names.py PATH/TO/names/ [--out FILE]
"""

from __future__ import annotations

import argparse
from pathlib import Path

#: Surnames written first in Korean, Chinese and Vietnamese names.
SURNAME_FIRST = frozenset(
    """kim lee park choi jung jeong kang cho yoon yun jang lim han oh seo shin kwon hwang ahn
    song yoo hong jeon ko moon yang son bae baek heo nam sim noh ha kwak sung cha joo woo min
    ryu na jin ji um chae won chun bang gong hyun wang li zhang liu chen huang zhao wu zhou xu
    sun ma zhu hu guo he lin luo gao zheng liang xie tang cao deng feng peng zeng xiao tian
    dong pan yuan cai jiang yu du ye wei su lu ding ren shen yao nguyen tran le pham hoang
    phan vu vo dang bui do ho ngo duong ly chan wong lam cheung ng tan lai kwan chow""".split()
)

HEADER = """\
# Given names that say a man (m) or a woman (f) is meant, when the article's own titles
# and pronouns do not: "Mrs. Clinton" is not Bill Clinton, and "she" after "Al Sharpton"
# is not Al Sharpton. Built by scripts/build_given_names.py from the US Census Bureau's
# 1990 first-name frequency lists (public domain; as packaged in the MIT-licensed `names`
# distribution on PyPI): names borne by at least {min} % of one sex and {ratio:g} times as
# often by it as by the other, without the common East Asian surnames that are written
# first ("Kim Jong Un").
"""


def read(path: Path) -> dict[str, float]:
    shares = {}
    for line in path.read_text(encoding="ascii").splitlines():
        if line.strip():
            name, share, *_ = line.split()
            shares[name.lower()] = float(share)
    return shares


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("census", type=Path, help="folder holding dist.male.first and dist.female.first")
    ap.add_argument("--out", type=Path, default=Path(__file__).parents[1] / "briefings/lang/en/given_names.txt")
    ap.add_argument("--min", type=float, default=0.002)
    ap.add_argument("--ratio", type=float, default=10.0)
    a = ap.parse_args()
    male, female = read(a.census / "dist.male.first"), read(a.census / "dist.female.first")
    lines = []
    for name in sorted(set(male) | set(female)):
        m, f = male.get(name, 0.0), female.get(name, 0.0)
        if name in SURNAME_FIRST or max(m, f) < a.min:
            continue
        if m >= a.ratio * f:
            lines.append(f"{name} m")
        elif f >= a.ratio * m:
            lines.append(f"{name} f")
    a.out.write_text(HEADER.format(min=a.min, ratio=a.ratio) + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} names written to {a.out}")


if __name__ == "__main__":
    main()
