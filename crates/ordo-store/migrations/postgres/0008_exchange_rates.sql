-- Exchange rates per day: 1 unit of the base currency = rate units of the currency.
CREATE TABLE exchange_rates (
    date      TEXT NOT NULL COLLATE "C",
    currency  TEXT NOT NULL COLLATE "C",
    base      TEXT NOT NULL,
    rate      TEXT NOT NULL,
    PRIMARY KEY (currency, date)
);
