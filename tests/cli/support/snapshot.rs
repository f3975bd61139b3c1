//! Output made comparable for snapshots (insta, `tests/cli/snapshots/`): a
//! dispute ID is random and a journal head hashes a random nonce, so each is
//! replaced by a stable name; everything else a user sees is kept as printed.

/// The characters of a dispute ID (Crockford's base 32), ten of them.
const ID_ALPHABET: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const ID_LEN: usize = 10;

/// `text` with each of `ids` replaced by `[ID1~~~~~]`, `[ID2~~~~~]`, ... in the
/// order given, then any other dispute ID by the next names in the order they
/// appear (as wide as an ID, so that tables keep their columns), and every
/// journal head by `[HEAD]`.
pub(crate) fn redact(text: &str, ids: &[&str]) -> String {
    let mut names: Vec<String> = ids.iter().map(|id| (*id).to_owned()).collect();
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String, names: &mut Vec<String>| {
        if word.len() == ID_LEN && word.chars().all(|c| ID_ALPHABET.contains(c)) {
            let n = match names.iter().position(|id| id == word) {
                Some(n) => n,
                None => {
                    names.push(word.clone());
                    names.len() - 1
                }
            };
            let name = format!("[ID{}", n + 1);
            out.push_str(&format!("{name}{}]", "~".repeat(ID_LEN - 1 - name.len())));
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out, &mut names);
            out.push(c);
        }
    }
    flush(&mut word, &mut out, &mut names);
    out.split('\n')
        .map(|line| match line.split_once("Journal head: ") {
            Some((before, hash)) if hash.len() == 64 => format!("{before}Journal head: [HEAD]"),
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}
