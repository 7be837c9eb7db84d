import threading

# Set on SIGTERM, for the drain that comes before a worker stops (DrainingServer):
# `/readyz` answers 503 and every answer closes its connection, so that a load balancer
# sends the next requests elsewhere while this worker still serves.
SERVER_DRAINING = threading.Event()

# Set when the server begins to shut down (GuardedHttpProtocol.shutdown, for each open
# connection): long answers, the live update streams, then end cleanly rather than hold
# the worker open until it is killed. Threading events: uvicorn's code and signal
# handlers set them, and the code on the loop reads them.
SERVER_STOPPING = threading.Event()
