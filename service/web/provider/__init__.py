"""The care provider's screens: the registration form (Aanmelden) and Mijn cliënten."""
