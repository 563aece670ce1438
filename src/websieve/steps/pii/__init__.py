"""Personal data in the text: e-mail addresses, IP addresses and phone numbers, replaced by placeholders."""
