"""`python -m accord` is the same as the `accord` command."""

from accord.cli import main

if __name__ == "__main__":
    main()
