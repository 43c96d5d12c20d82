-- Who placed an order, so one client cannot hold the catalog with unpaid orders:
-- decant.orders counts a client's and an e-mail's unpaid pending orders (under an
-- advisory lock) before it writes another. The partial indexes keep that count to the
-- few live unpaid orders, however many paid ones the shop has.
ALTER TABLE orders ADD COLUMN client_address inet;

CREATE INDEX orders_unpaid_by_email ON orders (lower(email))
    WHERE status = 'pending' AND payment_status IN ('unpaid', 'failed');
CREATE INDEX orders_unpaid_by_client ON orders (client_address)
    WHERE status = 'pending' AND payment_status IN ('unpaid', 'failed')
      AND client_address IS NOT NULL;
