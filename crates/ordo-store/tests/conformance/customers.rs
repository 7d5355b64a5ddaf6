//! Customers: found by id and by email (one customer per email), listed newest first.

use ordo_domain::catalog::Customer;
use ordo_store::{CustomerFilter, Page, StoreError};

use crate::common::{customer, engines, read, store, write};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_round_trip_by_id_and_email_and_an_email_belongs_to_one_customer() {
    for engine in engines() {
        let s = store(&engine);
        let (ann, bob) = (customer(1, "ann@example.com"), customer(2, "bob@example.com"));
        let (a2, b2) = (ann.clone(), bob.clone());
        write(&s, move |tx| {
            tx.insert_customer(&a2)?;
            tx.insert_customer(&b2)
        })
        .await
        .unwrap();
        let twin = customer(3, "ann@example.com");
        let err = write(&s, move |tx| tx.insert_customer(&twin)).await.unwrap_err();
        assert_eq!(err, StoreError::Conflict("customers.email"), "{engine:?}");

        let moved = Customer {
            email: "ann@example.org".into(),
            name: None,
            phone: Some("+1 555 0100".into()),
            tags: vec!["VIP".into(), "wholesale \"B\"".into()],
            notes: Some("Prefers afternoon delivery.".into()),
            version: 2,
            updated_at: 20,
            ..ann.clone()
        };
        let m2 = moved.clone();
        write(&s, move |tx| tx.update_customer(&m2)).await.unwrap();
        let onto_bob = Customer { email: "bob@example.com".into(), version: 3, ..moved.clone() };
        let err = write(&s, move |tx| tx.update_customer(&onto_bob)).await.unwrap_err();
        assert_eq!(err, StoreError::Conflict("customers.email"), "{engine:?}: an update cannot take another's email");

        let (ann_id, bob_id) = (ann.id.as_str().to_owned(), bob.id.as_str().to_owned());
        let got = read(&s, move |tx| {
            Ok((
                tx.customer_by_id(&ann_id)?,
                tx.customer_by_id(&bob_id)?,
                tx.customer_by_id("cus_none")?,
                tx.customer_by_email("ann@example.org")?.map(|c| c.id),
                tx.customer_by_email("ann@example.com")?,
            ))
        })
        .await;
        assert_eq!((got.0, got.1, got.2), (Some(moved), Some(bob), None), "{engine:?}");
        assert_eq!((got.3, got.4), (Some(ann.id), None), "{engine:?}: the old email no longer finds anyone");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_list_newest_id_first_and_filter_by_the_start_of_their_email() {
    for engine in engines() {
        let s = store(&engine);
        let emails = ["ann@example.com", "amy@example.com", "anna@example.com", "bob@example.com", "an@example.com"];
        write(&s, move |tx| {
            for (i, email) in emails.iter().enumerate() {
                tx.insert_customer(&customer(i as u128 + 1, email))?;
            }
            Ok(())
        })
        .await
        .unwrap();
        let list = |after: Option<String>, limit: usize, prefix: Option<&'static str>| {
            let s = s.clone();
            async move {
                let filter = CustomerFilter { email_prefix: prefix.map(str::to_owned), ..Default::default() };
                let got = read(&s, move |tx| tx.list_customers(&Page { after, limit }, &filter)).await;
                got.into_iter().map(|c| c.email).collect::<Vec<_>>()
            }
        };
        let first = list(None, 2, None).await;
        assert_eq!(first, ["an@example.com", "bob@example.com"], "{engine:?}: newest (highest id) first");
        let cursor = customer(4, "").id.as_str().to_owned();
        let rest = list(Some(cursor), 10, None).await;
        assert_eq!(rest, ["anna@example.com", "amy@example.com", "ann@example.com"], "{engine:?}");
        let an = list(None, 10, Some("an")).await;
        assert_eq!(an, ["an@example.com", "anna@example.com", "ann@example.com"], "{engine:?}");
        let ann = list(None, 10, Some("ann")).await;
        assert_eq!(ann, ["anna@example.com", "ann@example.com"], "{engine:?}");
        let cursor = customer(3, "").id.as_str().to_owned();
        assert_eq!(list(Some(cursor), 10, Some("an")).await, ["ann@example.com"], "{engine:?}: prefix and cursor");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_are_found_by_part_of_their_name_by_the_digits_of_their_phone_and_by_a_tag() {
    for engine in engines() {
        let s = store(&engine);
        let people = [
            ("ada@example.com", "Ada Lovelace", Some("+44 (20) 7946-0958"), vec!["VIP"]),
            ("grace@example.com", "Grace Hopper", Some("+1.555.010.0199"), vec!["wholesale", "vip"]),
            ("alan@example.com", "Alan Turing", None, vec!["vipish"]),
            ("asa@example.com", "Åsa Öberg", None, vec!["Ärzte"]),
        ];
        write(&s, move |tx| {
            for (i, (email, name, phone, tags)) in people.iter().enumerate() {
                let c = Customer {
                    name: Some((*name).into()),
                    phone: phone.map(str::to_owned),
                    tags: tags.iter().map(|t| (*t).to_owned()).collect(),
                    ..customer(i as u128 + 1, email)
                };
                tx.insert_customer(&c)?;
            }
            Ok(())
        })
        .await
        .unwrap();
        let find = |filter: CustomerFilter| {
            let s = s.clone();
            async move {
                let got = read(&s, move |tx| tx.list_customers(&Page { after: None, limit: 10 }, &filter)).await;
                got.into_iter().map(|c| c.email).collect::<Vec<_>>()
            }
        };
        let by_name = |n: &str| CustomerFilter { name: Some(n.into()), ..Default::default() };
        assert_eq!(find(by_name("hop")).await, ["grace@example.com"], "{engine:?}: part of a name, any case");
        assert_eq!(find(by_name("a")).await.len(), 4, "{engine:?}");
        assert_eq!(find(by_name("åsa ö")).await, ["asa@example.com"], "{engine:?}: case folded beyond ASCII");
        let tag = CustomerFilter { tag: Some("ärzte".into()), ..Default::default() };
        assert_eq!(find(tag).await, ["asa@example.com"], "{engine:?}");
        let by_phone = |d: &str| CustomerFilter { phone_digits: Some(d.into()), ..Default::default() };
        assert_eq!(find(by_phone("2079460958")).await, ["ada@example.com"], "{engine:?}: punctuation ignored");
        assert_eq!(find(by_phone("5550100")).await, ["grace@example.com"], "{engine:?}");
        assert!(find(by_phone("999")).await.is_empty(), "{engine:?}");
        let by_tag = |t: &str| CustomerFilter { tag: Some(t.into()), ..Default::default() };
        assert_eq!(find(by_tag("vip")).await, ["grace@example.com", "ada@example.com"], "{engine:?}: a whole tag");
        assert_eq!(find(by_tag("wholesale")).await, ["grace@example.com"], "{engine:?}");
        let both = CustomerFilter { tag: Some("vip".into()), name: Some("ada".into()), ..Default::default() };
        assert_eq!(find(both).await, ["ada@example.com"], "{engine:?}: every filter must match");
    }
}
