//! Many rows in a few statements: the pieces a batch is cut into, and the `VALUES` lists of
//! placeholders each engine's multi-row statements are written with.

/// Many rows in a few statements: pieces of 64, 16, 4 and 1 rows, so that the engines keep
/// four statements of each kind prepared whatever the batch's size.
pub(crate) fn pieces<T>(rows: &[T]) -> impl Iterator<Item = &[T]> {
    let mut rest = rows;
    std::iter::from_fn(move || {
        let size = [64, 16, 4, 1].into_iter().find(|s| *s <= rest.len())?;
        let (piece, after) = rest.split_at(size);
        rest = after;
        Some(piece)
    })
}

/// `rows` groups of `columns` placeholders, `(?, ?), (?, ?)`, for SQLite.
pub(crate) fn sqlite_values(rows: usize, columns: usize) -> String {
    let row = format!("({})", vec!["?"; columns].join(", "));
    vec![row; rows].join(", ")
}

/// The same numbered for PostgreSQL from `$1`, the first row's cast to `types` so that the
/// `VALUES` list has the columns' types.
pub(crate) fn pg_values(rows: usize, types: &[&str]) -> String {
    (0..rows)
        .map(|r| {
            let cells: Vec<String> = types
                .iter()
                .enumerate()
                .map(|(c, t)| {
                    let n = r * types.len() + c + 1;
                    if r == 0 { format!("${n}::{t}") } else { format!("${n}") }
                })
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn rows_go_in_pieces_of_a_few_sizes_and_none_is_lost() {
        for n in [0usize, 1, 3, 4, 5, 63, 64, 65, 200, 1000] {
            let rows: Vec<usize> = (0..n).collect();
            let pieces: Vec<&[usize]> = super::pieces(&rows).collect();
            assert!(pieces.iter().all(|p| [64, 16, 4, 1].contains(&p.len())), "{n}");
            assert_eq!(pieces.concat(), rows, "{n}");
        }
        assert_eq!(super::sqlite_values(2, 3), "(?, ?, ?), (?, ?, ?)");
        assert_eq!(super::pg_values(2, &["text", "int8"]), "($1::text, $2::int8), ($3, $4)");
    }
}
