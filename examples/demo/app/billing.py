"""Planning fields: due dates, statuses and releases, for the board, the HTML page and the changelog."""


# DONE: send invoices as PDF <ann 2025-02-03 assignee=ann release=1.0.0 change_type=Added closed_date=2025-03-01>
def send_invoice(invoice):
    # TODO: add the 2026 VAT rates <ann 2025-05-20 due=2025-09-30 status=open priority=high>
    rate = 0.2
    # FIXME: totals are a cent off the ledger <jdoe 2025-08-11 assignee=jdoe due=2031-06-30 status=in-progress>
    return round(invoice.total * (1 + rate), 2)


# TODO: retire the CSV export <kim 2024-11-02 assignee=kim status=done release=1.1.0 change_type=Removed closed_date=2025-06-10>
# BUG: discounts were ignored in totals <ann 2025-04-14 assignee=ann status=done release=1.1.0 change_type=Fixed closed_date=2025-06-02 tracker=https://tracker.example.com/issues/88>
# TODO: email a receipt after payment <assignee=kim status=done change_type=Added>
