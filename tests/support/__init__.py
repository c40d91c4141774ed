"""What every test folder shares and that is not a fixture: the one recording sender, waiting on a
condition with a deadline, and the guard that keeps the suite on loopback."""
