//! The catalogue: products, locations and their daily load, routing rule sets, carriers.

use ordo_domain::catalog::Product;
use ordo_domain::id::ProductId;
use ordo_store::{Page, StoreError};

use crate::common::{engines, location, product, store, write};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_round_trip_and_unique_rules_are_named() {
    for engine in engines() {
        let s = store(&engine);
        let (p, l) = (product("A-1"), location("WH", 1));
        let (p2, l2) = (p.clone(), l.clone());
        write(&s, move |tx| {
            tx.insert_product(&p2)?;
            tx.insert_location(&l2)
        })
        .await
        .unwrap();
        let again = Product { id: ProductId::generate(2, 2), ..p.clone() };
        let err = write(&s, move |tx| tx.insert_product(&again)).await.unwrap_err();
        assert_eq!(err, StoreError::Conflict("products.sku"), "{engine:?}");
        let (got_p, got_l) =
            s.read(|tx| Ok::<_, StoreError>((tx.product_by_sku("A-1")?, tx.location_by_code("WH")?))).await.unwrap();
        assert_eq!(got_p, Some(p), "{engine:?}");
        assert_eq!(got_l, Some(l), "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_follow_their_cursors() {
    for engine in engines() {
        let s = store(&engine);
        write(&s, |tx| {
            for sku in ["b", "a", "d", "c", "B"] {
                tx.insert_product(&product(sku))?;
            }
            Ok(())
        })
        .await
        .unwrap();
        let first = s.read(|tx| tx.list_products(&Page { after: None, limit: 2 }, None)).await.unwrap();
        let after = first.last().unwrap().sku.clone();
        let rest = s.read(move |tx| tx.list_products(&Page { after: Some(after), limit: 10 }, None)).await.unwrap();
        let all: Vec<String> = first.into_iter().chain(rest).map(|p| p.sku).collect();
        assert_eq!(all, ["B", "a", "b", "c", "d"], "{engine:?}: byte order, on every engine");
    }
}
