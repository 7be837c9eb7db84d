import threading

# Set when the server begins to shut down (GuardedHttpProtocol.shutdown, for each open
# connection): long answers, the live update streams, then end cleanly rather than hold
# the worker open until it is killed. A threading.Event: uvicorn's code sets it, and the
# streams on the loop read it.
SERVER_STOPPING = threading.Event()
