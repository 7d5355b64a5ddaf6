-- What a ledger entry answers besides an order: a purchase order's line (`po_...:2`), a
-- transfer's line. Empty for the entries written before it existed.
ALTER TABLE inventory_movements ADD COLUMN reference TEXT;
