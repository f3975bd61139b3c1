"""Move the integration tests into one file per command (or cross-cutting behaviour).

Reads tests/cli/*.rs as they were, a mapping (test -> destination), and writes the
destination files, support/<name>.rs for helpers that several destinations need,
and main.rs. Every item is copied byte for byte; only visibility (pub(crate)) and
the path of a moved helper (crate::share:: -> crate::support::sharing::) change.
"""
import sys, re, os, collections, json, textwrap
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from parse import scan_items, split_header, describe

SRC = sys.argv[1]      # directory with the original tests/cli files
OUT = sys.argv[2]      # directory to write
MAP = sys.argv[3]
DOCS = json.load(open(sys.argv[4]))   # destination -> doc text, support -> doc
SUPPORT_NAME = DOCS['__support_names__']

defaults, overrides = {}, {}
for line in open(MAP):
    line = line.split('#')[0].strip()
    if not line: continue
    a, b = line.split()
    if a.startswith('@'): defaults[a[1:]] = b
    else: overrides[a] = b

def strip_code(text):
    """Text with strings and comments blanked, for finding identifiers."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith('//', i):
            j = text.find('\n', i); i = n if j < 0 else j; continue
        m = re.match(r'b?r(#*)"', text[i:i+40]) if c in 'rb' and (i == 0 or not (text[i-1].isalnum() or text[i-1] == '_')) else None
        if m:
            close = '"' + m.group(1); j = text.find(close, i + m.end()); i = j + len(close); out.append(' "" '); continue
        if c == "'":
            if text[i+1] == '\\':
                j = i + 2
                while text[j] != "'": j += 1
                i = j + 1; continue
            if i + 2 < n and text[i+2] == "'":
                i += 3; continue
        if c == '"':
            j = i + 1
            while text[j] != '"': j += 2 if text[j] == '\\' else 1
            i = j + 1; out.append(' "" '); continue
        out.append(c); i += 1
    return ''.join(out)

def idents(text):
    s = strip_code(text)
    found = set((None, m) for m in re.findall(r'\{([A-Za-z_]\w*)[}:]', text))
    for m in re.finditer(r'(?<![\w.])(?:crate::(\w+)::)?([A-Za-z_]\w*)', s):
        pre = s[max(0, m.start()-2):m.start()]
        if pre == '::' : continue
        found.add((m.group(1), m.group(2)))
    return found

CANON = {
    ('trial', '', 'stderr_of'): ('newcomer', '', 'stderr_of'),
    ('terminal', '', 'repo'): ('newcomer', '', 'repo'),
    ('format', '', 'id_of'): ('policies', '', 'id_of'),
    ('format', '', 'step'): ('policies', '', 'step'),
    ('partnerships', '', 'id_of'): ('policies', '', 'id_of'),
}
RENAME = {
    ('boardpack', ''): [('open', 'open_dated')],
    ('reports', ''): [('open', 'open_under_policy')],
    ('trial', ''): [('git', 'plain_git')],
    ('newcomer', 'pty'): [('command', 'editor_command')],
}
def rename(origin, scope, text):
    for old, new in RENAME.get((origin, scope), []):
        text = re.sub(r'(?<![\w.:"])%s\((?=&|env|\n)' % old, new + '(', text)
        text = re.sub(r'fn %s\(' % old, 'fn %s(' % new, text)
    return text

class Item:
    def __init__(s, origin, scope, text):
        text = rename(origin, scope, text)
        s.origin, s.scope, s.text = origin, scope, text
        s.kind, s.name, s.is_test, s.attrs = describe(text)
        if s.kind == 'mod' and '#[test]' in text: s.is_test = True
        s.refs = idents(text)
    @property
    def tid(s):
        return f"{s.origin}::{s.scope + '::' if s.scope else ''}{s.name}"

origins = {}
for f in sorted(os.listdir(SRC)):
    if not f.endswith('.rs') or f in ('main.rs', 'support.rs'): continue
    o = f[:-3]
    text = open(os.path.join(SRC, f)).read()
    header, body = split_header(text)
    # inner attributes belong with the header
    while body.startswith('#!['):
        e = body.index('\n') + 1
        header += body[:e]; body = body[e:]
        while body.startswith('\n'): header += '\n'; body = body[1:]
    chunks, tail = scan_items(body)
    assert not tail.strip(), (f, tail)
    items, pty = [], None
    for c in chunks:
        it = Item(o, '', c)
        if it.kind == 'mod' and it.name == 'pty':
            open_at = c.index('{') + 1
            pty = {'pre': c[:open_at], 'post': c[c.rindex('}'):]}
            inner, itail = scan_items(c[open_at:c.rindex('}')])
            pty['tail'] = itail
            for ic in inner:
                items.append(Item(o, 'pty', ic))
        else:
            items.append(it)
    origins[o] = dict(header=header, items=items, pty=pty, text=text)

def flatten_use(text):
    s = re.sub(r'//[^\n]*', '', text).strip()
    m = re.match(r'(?:pub(?:\(crate\))?\s+)?use\s+(.*);$', s, re.S)
    body = ' '.join(m.group(1).split())
    out = []
    def rec(prefix, t):
        t = t.strip()
        if '{' in t and t.endswith('}'):
            k = t.index('{'); pre = t[:k]
            inner = t[k+1:-1]
            parts, depth, cur = [], 0, ''
            for ch in inner:
                if ch == ',' and depth == 0: parts.append(cur); cur = ''; continue
                depth += ch == '{'; depth -= ch == '}'; cur += ch
            parts.append(cur)
            for p in parts:
                if p.strip(): rec(prefix + pre, p)
        else:
            out.append(prefix + t)
    rec('', body)
    return out

# destinations of tests
dest = {}
for o, d in origins.items():
    for it in d['items']:
        if it.is_test:
            key = it.tid
            to = overrides.pop(key, None) or defaults[o]
            assert to != '?', key
            dest[key] = to
assert not overrides, overrides

# helpers and their users
def helpers(o, scope):
    return [it for it in origins[o]['items'] if not it.is_test and it.kind != 'use' and it.scope == scope]

IMPORTED = {}
for o, od in origins.items():
    for it in od['items']:
        if it.kind == 'use':
            for p in flatten_use(it.text):
                m = re.match(r'crate::(\w+)::(\w+)$', p)
                if m and m.group(1) in origins: IMPORTED[(o, m.group(2))] = m.group(1)
users = collections.defaultdict(set)   # (origin, scope, name) -> set of destinations
def need(o, scope, refs, d, seen):
    for mod, name in refs:
        cands = []
        if mod is not None:
            if mod in origins:
                cands = [h for h in helpers(mod, '') if h.name == name]
        else:
            cands = [h for h in helpers(o, scope) if h.name == name]
            if not cands and scope:
                cands = [h for h in helpers(o, '') if h.name == name]
            if not cands and (o, name) in IMPORTED:
                cands = [h for h in helpers(IMPORTED[(o, name)], '') if h.name == name]
        for h in cands:
            k = (h.origin, h.scope, h.name)
            if k in CANON:
                k = CANON[k]
                h = [x for x in helpers(k[0], k[1]) if x.name == k[2]][0]
            if (id(h), d) in seen: continue
            seen.add((id(h), d)); users[k].add(d)
            need(h.origin, h.scope, h.refs, d, seen)
seen = set()
for o, d in origins.items():
    for it in d['items']:
        if it.is_test:
            need(o, it.scope, it.refs, dest[it.tid], seen)
shared = {k for k, v in users.items() if len(v) > 1}
# an impl goes wherever its type goes (they share a key)
# whole-file moves: every test of o goes to one destination that only o feeds
feeds = collections.defaultdict(set)
for t, d in dest.items(): feeds[d].add(t.split('::')[0])
whole = {}
for o in origins:
    ds = {dest[it.tid] for it in origins[o]['items'] if it.is_test}
    if len(ds) == 1:
        d = ds.pop()
        if feeds[d] == {o} and not any(k[0] == o for k in shared):
            whole[o] = d

def group_uses(paths, indent=''):
    paths = sorted(set(paths), key=lambda p: (0 if p.startswith('std') else 1 if not p.startswith(('crate', 'super')) else 2, p))
    groups = collections.OrderedDict()
    for p in paths:
        if p.endswith('::*') or '::' not in p:
            groups.setdefault(p, None); continue
        base = p.rsplit(' as ', 1)[0]
        pre, last = p[:base.rindex('::')], p[base.rindex('::')+2:]
        groups.setdefault(pre, []).append(last)
    lines = []
    for pre, lasts in groups.items():
        if lasts is None: lines.append(f'{indent}use {pre};')
        elif len(lasts) == 1: lines.append(f'{indent}use {pre}::{lasts[0]};')
        else: lines.append(f'{indent}use {pre}::{{{", ".join(lasts)}}};')
    return '\n'.join(lines) + '\n' if lines else ''

def fix_paths(text):
    for o in origins:
        text = re.sub(r'\bcrate::%s::' % o, f'crate::support::{SUPPORT_NAME.get(o, o)}::', text)
    return text

def publish(text):
    """pub(crate) on a shared helper's item, and on its inherent methods."""
    lines = text.split('\n')
    out = []
    inherent = False
    for l in lines:
        if re.match(r'(fn|const|static|struct|enum|type) ', l) and not l.startswith('pub'):
            l = 'pub(crate) ' + l
        if re.match(r'impl(<[^>]*>)? \w+ \{', l): inherent = True
        if re.match(r'impl(<[^>]*>)? \w+ for', l): inherent = False
        if inherent and re.match(r'    fn ', l): l = '    pub(crate) ' + l[4:]
        out.append(l)
    return '\n'.join(out)

os.makedirs(OUT, exist_ok=True)
os.makedirs(os.path.join(OUT, 'support'), exist_ok=True)
written = {}
for o, d in whole.items():
    written[d] = fix_paths(origins[o]['text'])

# build generated destinations
dests = sorted(set(dest.values()) - set(whole.values()))
report = []
for d in dests:
    top_uses, pty_uses, top_items, pty_items = [], [], [], []
    imports_top, imports_pty = [], []
    pty_pre = None
    for o, od in origins.items():
        contributes = any((it.is_test and dest[it.tid] == d) or (not it.is_test and d in users.get((it.origin, it.scope, it.name), ())) for it in od['items'])
        if not contributes: continue
        for it in od['items']:
            k = (it.origin, it.scope, it.name)
            if it.kind == 'use':
                (pty_uses if it.scope else top_uses).extend(fix_paths(p) for p in flatten_use(it.text) if not re.match(r'crate::(%s)::' % '|'.join(origins), p))
                continue
            if it.is_test:
                if dest[it.tid] != d: continue
            else:
                if d not in users.get(k, ()): continue
                if k in shared:
                    path = f'crate::support::{SUPPORT_NAME.get(o, o)}::{it.name}'
                    if it.kind != 'impl':
                        (imports_pty if it.scope else imports_top).append(path)
                    continue
            if it.scope:
                pty_items.append(it)
                if pty_pre is None: pty_pre = od['pty']['pre']
            else:
                top_items.append(it)
    # names defined twice in one destination
    names = collections.Counter((it.scope, it.name, it.kind) for it in top_items + pty_items if not it.is_test and it.kind != 'impl')
    for p in set(imports_top + top_uses): names[('', p.rsplit('::', 1)[-1].split(' as ')[-1], 'fn')] += 1
    for p in set(imports_pty + pty_uses): names[('pty', p.rsplit('::', 1)[-1].split(' as ')[-1], 'fn')] += 1
    clash = [n for n, c in names.items() if c > 1 and n[1] != '*']
    if clash: report.append(f'CLASH {d}: {clash}')
    tnames = collections.Counter((it.scope, it.name) for it in top_items + pty_items if it.is_test)
    if any(c > 1 for c in tnames.values()): report.append(f'TEST CLASH {d}: {[n for n,c in tnames.items() if c>1]}')
    text = DOCS.get(d, f'//! TODO doc for {d}\n').rstrip('\n') + '\n\n'
    text += group_uses(top_uses + imports_top)
    for it in top_items:
        text += '\n' + fix_paths(it.text).lstrip('\n')
    if pty_items:
        body = group_uses(pty_uses + imports_pty, '    ')
        for it in pty_items:
            body += '\n' + fix_paths(it.text).lstrip('\n')
        pre = pty_pre.lstrip('\n')
        text += '\n' + pre.rstrip() + '\n' + body + '}\n'
    written[d] = text

# support modules
sup = collections.defaultdict(list)
for o, od in origins.items():
    ks = [it for it in od['items'] if (it.origin, it.scope, it.name) in shared and it.kind != 'use']
    if not ks: continue
    uses = []
    for it in od['items']:
        if it.kind == 'use': uses.extend(flatten_use(fix_paths(it.text)))
    uses = [u for u in uses if u != 'super::*']
    name = SUPPORT_NAME.get(o, o)
    text = DOCS.get('support/' + name, f'//! TODO support doc {name}\n').rstrip('\n') + '\n\n'
    text += group_uses(uses)
    for it in ks:
        t = fix_paths(it.text)
        t = publish((textwrap.dedent(t) if it.scope else t).replace('pub(super) ', ''))
        text += '\n' + t.lstrip('\n')
    written['support/' + name] = text

for name, text in written.items():
    with open(os.path.join(OUT, name + '.rs'), 'w') as f: f.write(text)
mods = sorted(n for n in written if not n.startswith('support/'))
with open(os.path.join(OUT, 'support_mods.txt'), 'w') as f:
    f.write('\n'.join(sorted(n[8:] for n in written if n.startswith('support/'))))
with open(os.path.join(OUT, 'dests.txt'), 'w') as f:
    for t, d in sorted(dest.items()): f.write(f'{t}\t{d}\n')
print('\n'.join(report))
print('whole:', whole)
print('shared:', sorted(shared))
print('dests:', mods)
