from todo_service.adapters.redis.rate_limiter import RedisRateLimiter, redis_client

__all__ = ["RedisRateLimiter", "redis_client"]
