-- Exchange rates per day: 1 unit of the base currency = rate units of the currency.
CREATE TABLE exchange_rates (
    date      TEXT NOT NULL,
    currency  TEXT NOT NULL,
    base      TEXT NOT NULL,
    rate      TEXT NOT NULL,
    PRIMARY KEY (currency, date)
) WITHOUT ROWID;
