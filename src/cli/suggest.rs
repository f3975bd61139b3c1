//! "Did you mean ...?": the nearest of a few known names to one mistyped, for
//! `notify --who dls` (a duty `dsl` outstanding) and `config set nmae`. Near
//! means a letter or two wrong, missing, extra or swapped, ignoring case.

/// The optimal-string-alignment distance: edits (insert, delete, substitute,
/// swap two neighbours) from `a` to `b`, by character.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// The candidate nearest to `typed`, if it is near: one edit for short names,
/// two for names of eight characters or more. Never `typed` itself.
pub(super) fn closest<'a>(
    typed: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let t = typed.trim().to_lowercase();
    let allowed = if t.chars().count() >= 8 { 2 } else { 1 };
    candidates
        .into_iter()
        .map(|c| (distance(&t, &c.to_lowercase()), c))
        .filter(|(d, _)| (1..=allowed).contains(d))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_swapped_or_missing_letter_is_near() {
        assert_eq!(closest("dls", ["dsl", "iro"]), Some("dsl"));
        assert_eq!(
            closest("nmae", ["name", "policy", "organisation"]),
            Some("name")
        );
        assert_eq!(
            closest("organsation", ["name", "organisation"]),
            Some("organisation")
        );
        assert_eq!(closest("DSL", ["dsl"]), None, "itself is no near miss");
        assert_eq!(closest("police", ["dsl", "iro"]), None);
        assert_eq!(distance("abc", "acb"), 1);
        assert_eq!(distance("", "ab"), 2);
    }
}
