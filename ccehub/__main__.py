from ccehub.cli import main

main()
