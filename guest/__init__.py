"""The guest-facing part of guestform: lookup, form, thank-you."""
