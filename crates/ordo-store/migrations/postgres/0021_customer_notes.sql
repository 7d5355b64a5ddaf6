-- What support keeps about a customer: labels (a JSON array of strings) and notes.
ALTER TABLE customers ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE customers ADD COLUMN notes TEXT;
