"""Split a rustfmt'ed Rust file into top-level items, keeping every byte."""
import re

def scan_items(text):
    """Return (header, items) where items are text chunks that concatenate (with header) back to text."""
    i, n = 0, len(text)
    depth = 0
    bounds = []  # end offsets of items
    def skip_ws(j):
        while j < n and text[j] in ' \t\r\n':
            j += 1
        return j
    while i < n:
        c = text[i]
        if text.startswith('//', i):
            j = text.find('\n', i)
            i = n if j < 0 else j + 1
            continue
        if text.startswith('/*', i):
            d, j = 1, i + 2
            while d and j < n:
                if text.startswith('/*', j): d += 1; j += 2
                elif text.startswith('*/', j): d -= 1; j += 2
                else: j += 1
            i = j; continue
        m = re.match(r'b?r(#*)"', text[i:i+40]) if c in 'rb' and (i == 0 or not (text[i-1].isalnum() or text[i-1] == '_')) else None
        if m:
            close = '"' + m.group(1)
            j = text.find(close, i + m.end())
            i = j + len(close); continue
        if c == '"' or (c == 'b' and text.startswith('b"', i) and not (text[i-1].isalnum() or text[i-1]=='_')):
            j = i + (2 if c == 'b' else 1)
            while text[j] != '"':
                j += 2 if text[j] == '\\' else 1
            i = j + 1; continue
        if c == "'":
            if text[i+1] == '\\':
                j = i + 2
                while text[j] != "'": j += 1
                i = j + 1; continue
            if i + 2 < n and text[i+2] == "'":
                i += 3; continue
            i += 1; continue
        if c in '([{':
            depth += 1
        elif c in ')]}':
            depth -= 1
            if depth == 0 and c == '}':
                j = skip_ws(i + 1)
                if j < n and text[j] == ';':
                    i = j
                # a `}` closing an item at depth 0
                bounds.append(i + 1)
        elif c == ';' and depth == 0:
            bounds.append(i + 1)
        i += 1
    assert depth == 0, depth
    # turn bounds into chunks; each chunk runs to end of its line
    chunks, start = [], 0
    for b in bounds:
        e = text.find('\n', b)
        e = n if e < 0 else e + 1
        if e <= start: continue
        chunks.append(text[start:e]); start = e
    tail = text[start:]
    return chunks, tail

def split_header(text):
    """Leading //! lines (and blank lines) as header."""
    lines = text.splitlines(keepends=True)
    k = 0
    while k < len(lines) and (lines[k].lstrip().startswith('//!') or lines[k].strip() == ''):
        k += 1
    return ''.join(lines[:k]), ''.join(lines[k:])

ITEM = re.compile(r'^\s*(?:pub(?:\([a-z]+\))?\s+)?(?:unsafe\s+)?(fn|const|static|struct|enum|mod|use|impl|type|trait|macro_rules!|[a-z_]+!)\s*([A-Za-z_][A-Za-z0-9_]*)?', re.M)

def describe(chunk):
    """kind, name, is_test, code (without leading comments/attrs)"""
    lines = chunk.splitlines()
    attrs, code_start = [], None
    for k, l in enumerate(lines):
        s = l.strip()
        if not s or s.startswith('//') : continue
        if s.startswith('#['):
            attrs.append(s); continue
        code_start = k; break
    code = '\n'.join(lines[code_start:]) if code_start is not None else ''
    first = lines[code_start].strip() if code_start is not None else ''
    m = re.match(r'(?:pub(?:\([a-z]+\))?\s+)?(fn|const|static|struct|enum|mod|use|impl|type|trait)\b\s*(?:<[^>]*>\s*)?([A-Za-z_][A-Za-z0-9_]*)?', first)
    if m:
        kind, name = m.group(1), m.group(2)
        if kind == 'impl':
            mm = re.match(r'impl(?:<[^>]*>)?\s+(?:([A-Za-z_]\w*)\s+for\s+)?([A-Za-z_]\w*)', first)
            name = mm.group(2)
    else:
        mm = re.match(r'([a-z_]+)!', first)
        kind, name = ('macro', mm.group(1)) if mm else ('?', None)
    is_test = any(a.startswith('#[test') for a in attrs) or (kind == 'macro' and '#[test]' in chunk)
    return kind, name, is_test, attrs
