//! Gift cards and store credit: balances Ordo keeps itself. Every movement is a ledger entry;
//! a balance can never go below zero (a guarded update in the store).

use ordo_domain::validate::Errors;
use ordo_store::{BalanceAccount, BalanceEntry, Tx};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::kernel::access::Grant;
use crate::kernel::events::payloads::BalanceChanged;
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::require;
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::kernel::input::{MoneyInput, money_text, require_positive};
use crate::{Action, Actor, App, AppError, AppResult, random_u128};

/// Gives a refunded amount back to a balance: onto the customer's store credit (`store_credit`
/// names the customer and the currency), or onto the balance the payment was taken from (a
/// gift card, store credit). A payment from no balance (a card, cash) moves none.
pub(crate) fn refund_to_balance(
    tx: &mut dyn Tx,
    now: i64,
    actor: &Actor,
    payment: &crate::money::payments::Payment,
    store_credit: Option<(&str, &str)>,
    amount: i64,
) -> AppResult<()> {
    let account = match store_credit {
        Some((customer_id, currency)) => Some(store_credit_account(tx, now, customer_id, currency)?),
        None => payment.account_id.clone(),
    };
    if let Some(account) = account {
        move_balance(
            tx,
            now,
            actor,
            &account,
            &payment.currency,
            amount,
            "refund",
            Some(&payment.order_id),
            Some(&payment.id),
        )?;
    }
    Ok(())
}

/// The most a gift card or store-credit balance may hold, in minor units.
pub const MAX_BALANCE: i64 = 10i64.pow(crate::kernel::schema::AMOUNT_DIGITS as u32) - 1;

/// Adds `amount` (negative to spend) to an account; refuses to go below zero or above
/// [`MAX_BALANCE`].
#[allow(clippy::too_many_arguments)]
pub(crate) fn move_balance(
    tx: &mut dyn Tx,
    now: i64,
    actor: &Actor,
    account_id: &str,
    currency: &str,
    amount: i64,
    reason: &str,
    order_id: Option<&str>,
    payment_id: Option<&str>,
) -> AppResult<i64> {
    let e = BalanceEntry {
        seq: 0,
        account_id: account_id.to_owned(),
        amount,
        balance_after: 0,
        at: now,
        reason: Some(reason.to_owned()),
        order_id: order_id.map(str::to_owned),
        payment_id: payment_id.map(str::to_owned),
        actor: Some(actor.key_id.clone()),
    };
    match tx.change_balance(&e)? {
        // A balance holds at most what one amount may be, far above any real balance and far
        // below where its sums could overflow; the transaction is rolled back.
        Ok(balance) if balance > MAX_BALANCE => Err(AppError::Refused {
            code: "balance_limit",
            message: format!("a balance may hold at most {}", money_text(MAX_BALANCE, currency)),
        }),
        Ok(balance) => {
            emit(
                tx,
                now,
                account_id,
                Event::BalanceChanged(BalanceChanged {
                    account_id: account_id.to_owned(),
                    amount,
                    balance,
                    reason: reason.to_string(),
                }),
            )?;
            Ok(balance)
        }
        Err(available) => Err(AppError::Refused {
            code: "insufficient_balance",
            message: format!(
                "the balance is {}; {} is needed",
                money_text(available, currency),
                money_text(-amount, currency)
            ),
        }),
    }
}

/// The customer's store-credit account in `currency`, opened on first use.
pub(crate) fn store_credit_account(tx: &mut dyn Tx, now: i64, customer_id: &str, currency: &str) -> AppResult<String> {
    if let Some(a) = tx.balance_account("store_credit", customer_id)? {
        if a.currency != currency {
            return Err(AppError::Refused {
                code: "currency_mismatch",
                message: format!("the customer's store credit is in {}", a.currency),
            });
        }
        return Ok(a.id);
    }
    let a = BalanceAccount {
        id: format!("bal_{}", ordo_domain::id::encode(now as u64, random_u128())),
        kind: "store_credit".into(),
        code: customer_id.to_owned(),
        currency: currency.to_owned(),
        balance: 0,
        created_at: now,
    };
    tx.insert_balance_account(&a)?;
    Ok(a.id)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GiftCardInput {
    /// The code printed on the card; generated when absent.
    #[schema(max_length = 64, pattern = r"^[^\u0000]*$")]
    pub code: Option<String>,
    #[schema(required = true, value_type = Option<crate::kernel::schema::PositiveMoneyInput>)]
    pub amount: Option<MoneyInput>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditInput {
    /// Added to the customer's store credit (positive).
    #[schema(required = true, value_type = Option<crate::kernel::schema::PositiveMoneyInput>)]
    pub amount: Option<MoneyInput>,
    #[schema(max_length = 200, pattern = r"^[^\u0000]*$")]
    pub reason: Option<String>,
}

/// An account with its movements.
#[derive(Debug, Clone)]
pub struct Balance {
    pub account: BalanceAccount,
    pub entries: Vec<BalanceEntry>,
}

impl App {
    pub async fn issue_gift_card(
        &self,
        actor: &Actor,
        input: GiftCardInput,
        idem: Option<IdemCtx<Balance>>,
    ) -> AppResult<Outcome<Balance>> {
        require(actor, Action::GrantCredit)?;
        let mut e = Errors::new();
        let code = e.optional_text("code", input.code.as_deref(), 64);
        // A code that reads like a card number could never be redeemed (payments refuse one).
        crate::kernel::input::refuse_card_numbers(&mut e, [("code", input.code.as_deref())]);
        let amount = require_positive(&mut e, "amount", &input.amount);
        let amount = e.finish(amount)?.expect("checked");
        self.limits.check(actor.role, Grant::Credit, amount)?;
        let who = actor.clone();
        self.write_idem(idem, move |tx, now| {
            let code =
                code.clone().unwrap_or_else(|| ordo_domain::id::encode(now as u64, random_u128())[10..].to_owned());
            if tx.balance_account("gift_card", &code)?.is_some() {
                return Err(AppError::Conflict(format!("a gift card with code {code:?} exists")));
            }
            let account = BalanceAccount {
                id: format!("bal_{}", ordo_domain::id::encode(now as u64, random_u128())),
                kind: "gift_card".into(),
                code: code.clone(),
                currency: amount.currency().code().to_owned(),
                balance: 0,
                created_at: now,
            };
            tx.insert_balance_account(&account)?;
            move_balance(tx, now, &who, &account.id, &account.currency, amount.minor(), "issued", None, None)?;
            let account = tx.balance_account("gift_card", &code)?.ok_or(AppError::NotFound("gift card"))?;
            let entries = tx.balance_entries(&account.id)?;
            Ok(Balance { account, entries })
        })
        .await
    }

    pub async fn balance(&self, actor: &Actor, kind: &'static str, code: &str) -> AppResult<Balance> {
        require(actor, Action::ReadCustomers)?;
        let code = code.to_owned();
        self.store
            .read(move |tx| {
                let account = tx.balance_account(kind, &code)?.ok_or(AppError::NotFound(if kind == "gift_card" {
                    "gift card"
                } else {
                    "store credit"
                }))?;
                let entries = tx.balance_entries(&account.id)?;
                Ok(Balance { account, entries })
            })
            .await
    }

    pub async fn credit_customer(
        &self,
        actor: &Actor,
        customer_id: &str,
        input: CreditInput,
        idem: Option<IdemCtx<Balance>>,
    ) -> AppResult<Outcome<Balance>> {
        require(actor, Action::GrantCredit)?;
        let mut e = Errors::new();
        let amount = require_positive(&mut e, "amount", &input.amount);
        let reason = e.optional_text("reason", input.reason.as_deref(), 200).unwrap_or_else(|| "credit".into());
        let amount = e.finish(amount)?.expect("checked");
        self.limits.check(actor.role, Grant::Credit, amount)?;
        let (id, who) = (customer_id.to_owned(), actor.clone());
        self.write_idem(idem, move |tx, now| {
            tx.customer_by_id(&id)?.ok_or(AppError::NotFound("customer"))?;
            let account = store_credit_account(tx, now, &id, amount.currency().code())?;
            move_balance(tx, now, &who, &account, amount.currency().code(), amount.minor(), &reason, None, None)?;
            let account = tx.balance_account("store_credit", &id)?.ok_or(AppError::NotFound("store credit"))?;
            let entries = tx.balance_entries(&account.id)?;
            Ok(Balance { account, entries })
        })
        .await
    }
}
