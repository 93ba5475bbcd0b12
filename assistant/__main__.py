from assistant.cli import main

if __name__ == "__main__":  # a worker process importing this module must not start the command line
    main()
