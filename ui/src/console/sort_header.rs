//! A sortable column's header, shared by every console table: the header holds a button, so the
//! column sorts by keyboard as well as by mouse, and tells screen readers its order.

use yew::prelude::*;

/// The header of `column`, sorting `sort` (the column and whether it runs downwards) when
/// pressed: pressed again, the order turns round. `label` is the column's name in the window's
/// language; the order it tells screen readers (`aria-sort`) is ARIA's token, not a word.
pub fn sort_header<C: Copy + PartialEq + 'static>(
    sort: &UseStateHandle<(C, bool)>,
    label: impl Into<String>,
    column: C,
    id: &'static str,
) -> Html {
    let label: String = label.into();
    let (arrow, order) = match **sort {
        (c, false) if c == column => (" ▲", "ascending"),
        (c, true) if c == column => (" ▼", "descending"),
        _ => ("", "none"),
    };
    let onclick = {
        let sort = sort.clone();
        Callback::from(move |_| {
            let (c, d) = *sort;
            sort.set((column, c == column && !d));
        })
    };
    html! {
        <th id={id} class="sortable" aria-sort={order}>
            <button type="button" {onclick}>{ label }{ arrow }</button>
        </th>
    }
}
