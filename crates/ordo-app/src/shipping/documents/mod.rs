//! Printable documents: shipping labels (PDF and ZPL), packing slips and pick lists.
//! Rendering only; the use cases that gather their data live beside the other use cases.

pub mod pdf;

use ordo_domain::barcode::code128b;
use ordo_domain::order::Address;

use pdf::Page;

/// What a 4×6 inch shipping label carries.
pub struct Label {
    pub from_name: String,
    pub from: Address,
    pub to: Address,
    pub carrier: String,
    pub service: String,
    pub weight_grams: i64,
    pub tracking_number: String,
    pub order_number: i64,
}

fn address_lines(a: &Address) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(n) = &a.name {
        lines.push(n.clone());
    }
    lines.push(a.line1.clone());
    if let Some(l) = &a.line2 {
        lines.push(l.clone());
    }
    let region = a.region.clone().unwrap_or_default();
    let postal = a.postal_code.clone().unwrap_or_default();
    lines.push(format!("{} {} {}", a.city, region, postal).split_whitespace().collect::<Vec<_>>().join(" "));
    lines.push(a.country.clone());
    lines
}

/// The label as a one-page PDF, 288 × 432 points (4 × 6 inches).
pub fn label_pdf(l: &Label) -> Option<Vec<u8>> {
    let modules = code128b(&l.tracking_number)?;
    let mut p = Page::new(288.0, 432.0);
    p.text(14.0, 410.0, 8.0, true, "FROM");
    let mut y = 398.0;
    p.text(14.0, y, 9.0, false, &l.from_name);
    for line in address_lines(&l.from) {
        y -= 11.0;
        p.text(14.0, y, 9.0, false, &line);
    }
    p.line(10.0, 330.0, 278.0, 330.0, 1.0);
    p.text(14.0, 314.0, 10.0, true, "SHIP TO");
    let mut y = 296.0;
    for line in address_lines(&l.to) {
        p.text(24.0, y, 14.0, true, &line);
        y -= 17.0;
    }
    p.line(10.0, 200.0, 278.0, 200.0, 1.0);
    p.text(14.0, 184.0, 12.0, true, &format!("{} {}", l.carrier, l.service));
    p.text(
        14.0,
        168.0,
        10.0,
        false,
        &format!("Weight: {:.2} kg   Order #{}", l.weight_grams as f64 / 1000.0, l.order_number),
    );
    // The barcode fills the width with a quiet zone of ten modules on each side.
    let module = (260.0 / (modules.len() + 20) as f64).min(1.6);
    let width = module * modules.len() as f64;
    let x = (288.0 - width) / 2.0;
    p.bars(x, 60.0, module, 90.0, &modules);
    p.text(x, 44.0, 11.0, false, &format!("TRACKING # {}", l.tracking_number));
    Some(pdf::render(&[p]))
}

/// ZPL text field data: `^` and `~` are ZPL's command prefixes, so they are replaced.
fn zpl_text(s: &str) -> String {
    s.chars().map(|c| if c == '^' || c == '~' || !(' '..='}').contains(&c) { ' ' } else { c }).collect()
}

/// The label in ZPL II for 203 dpi thermal printers, 4 × 6 inches (812 × 1218 dots).
pub fn label_zpl(l: &Label) -> String {
    let mut z = String::from("^XA\n^PW812\n^LL1218\n^CI0\n");
    let mut y = 30;
    z.push_str(&format!("^FO30,{y}^A0N,24,24^FDFROM: {}^FS\n", zpl_text(&l.from_name)));
    for line in address_lines(&l.from) {
        y += 28;
        z.push_str(&format!("^FO30,{y}^A0N,24,24^FD{}^FS\n", zpl_text(&line)));
    }
    z.push_str("^FO20,250^GB772,3,3^FS\n");
    let mut y = 280;
    z.push_str(&format!("^FO30,{y}^A0N,28,28^FDSHIP TO:^FS\n"));
    for line in address_lines(&l.to) {
        y += 46;
        z.push_str(&format!("^FO60,{y}^A0N,42,42^FD{}^FS\n", zpl_text(&line)));
    }
    z.push_str("^FO20,620^GB772,3,3^FS\n");
    z.push_str(&format!("^FO30,650^A0N,36,36^FD{} {}^FS\n", zpl_text(&l.carrier), zpl_text(&l.service)));
    z.push_str(&format!(
        "^FO30,700^A0N,28,28^FDWeight: {:.2} kg  Order #{}^FS\n",
        l.weight_grams as f64 / 1000.0,
        l.order_number
    ));
    z.push_str(&format!("^FO60,780^BY3^BCN,220,Y,N,N^FD{}^FS\n", zpl_text(&l.tracking_number)));
    z.push_str("^XZ\n");
    z
}

/// One line of a packing slip or pick list.
pub struct ItemLine {
    pub sku: String,
    pub name: String,
    pub quantity: i64,
    /// For pick lists: the orders it serves, as `#number×quantity`.
    pub orders: Vec<(i64, i64)>,
}

/// A packing slip, US Letter: who it goes to and what is in the parcel.
pub fn packing_slip_pdf(order_number: i64, location: &str, to: Option<&Address>, items: &[ItemLine]) -> Vec<u8> {
    let mut pages = Vec::new();
    for (page_no, chunk) in items.chunks(30).enumerate() {
        let mut p = Page::new(612.0, 792.0);
        p.text(50.0, 740.0, 20.0, true, &format!("Packing slip - order #{order_number}"));
        p.text(50.0, 720.0, 10.0, false, &format!("Shipped from {location}   Page {}", page_no + 1));
        let mut y = 690.0;
        if let Some(a) = to {
            p.text(50.0, y, 10.0, true, "Ship to");
            for line in address_lines(a) {
                y -= 13.0;
                p.text(50.0, y, 10.0, false, &line);
            }
        }
        y -= 30.0;
        p.text(50.0, y, 10.0, true, "SKU");
        p.text(200.0, y, 10.0, true, "Item");
        p.text(500.0, y, 10.0, true, "Qty");
        p.line(50.0, y - 4.0, 560.0, y - 4.0, 0.5);
        for item in chunk {
            y -= 16.0;
            p.text(50.0, y, 10.0, false, &item.sku);
            p.text(200.0, y, 10.0, false, &item.name);
            p.text(500.0, y, 10.0, false, &item.quantity.to_string());
        }
        pages.push(p);
    }
    if pages.is_empty() {
        let mut p = Page::new(612.0, 792.0);
        p.text(50.0, 740.0, 20.0, true, &format!("Packing slip - order #{order_number}"));
        pages.push(p);
    }
    pdf::render(&pages)
}

/// A pick list, US Letter: each SKU once, with the total to pick and the orders it serves.
pub fn pick_list_pdf(location: &str, generated: &str, items: &[ItemLine]) -> Vec<u8> {
    let mut pages = Vec::new();
    for (page_no, chunk) in items.chunks(25).enumerate() {
        let mut p = Page::new(612.0, 792.0);
        p.text(50.0, 740.0, 20.0, true, &format!("Pick list - {location}"));
        p.text(50.0, 720.0, 10.0, false, &format!("{generated}   Page {}", page_no + 1));
        let mut y = 690.0;
        p.text(50.0, y, 10.0, true, "SKU");
        p.text(180.0, y, 10.0, true, "Item");
        p.text(400.0, y, 10.0, true, "Qty");
        p.text(440.0, y, 10.0, true, "Orders");
        p.line(50.0, y - 4.0, 560.0, y - 4.0, 0.5);
        for item in chunk {
            y -= 22.0;
            p.text(50.0, y, 10.0, false, &item.sku);
            p.text(180.0, y, 10.0, false, &item.name);
            p.text(400.0, y, 12.0, true, &item.quantity.to_string());
            let orders: Vec<String> = item.orders.iter().map(|(n, q)| format!("#{n}x{q}")).collect();
            p.text(440.0, y, 8.0, false, &orders.join(" "));
        }
        pages.push(p);
    }
    if pages.is_empty() {
        let mut p = Page::new(612.0, 792.0);
        p.text(50.0, 740.0, 20.0, true, &format!("Pick list - {location}"));
        p.text(50.0, 720.0, 10.0, false, "Nothing to pick.");
        pages.push(p);
    }
    pdf::render(&pages)
}
