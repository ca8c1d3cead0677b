import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { appConfig } from '../config/app.config';
import { Page } from '../common/pagination/page.dto';
import { PaginationQueryDto } from '../common/pagination/pagination-query.dto';
import { DEMO_PRODUCTS } from './demo-products';
import { CreateProductDto } from './dto/create-product.dto';
import { ProductDto } from './dto/product.dto';
import { Product } from './product.entity';

// Any constant that other code does not use as an advisory lock key.
const SEED_LOCK = 0x70726f64;

@Injectable()
export class ProductsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ProductsService.name);

  constructor(
    @InjectRepository(Product) private readonly products: Repository<Product>,
    @Inject(appConfig.KEY) private readonly config: ConfigType<typeof appConfig>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.seedDemoData) await this.seedIfEmpty();
  }

  /** Fills an empty catalogue once; the lock keeps instances starting together from doubling it. */
  async seedIfEmpty(): Promise<number> {
    return this.products.manager.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [SEED_LOCK]);
      if (await manager.exists(Product)) return 0;
      // A second apart, so the newest-first listing shows them in catalogue order.
      const now = Date.now();
      await manager.insert(
        Product,
        DEMO_PRODUCTS.map((product, i) => ({ ...product, createdAt: new Date(now - i * 1000) })),
      );
      this.logger.log(`Seeded ${DEMO_PRODUCTS.length} demo products`);
      return DEMO_PRODUCTS.length;
    });
  }

  async list(query: PaginationQueryDto): Promise<Page<ProductDto>> {
    const [rows, total] = await this.products.findAndCount({
      order: { createdAt: 'DESC', id: 'ASC' },
      skip: query.offset,
      take: query.limit,
    });
    return { items: rows.map(ProductDto.from), page: query.page, limit: query.limit, total };
  }

  async create(dto: CreateProductDto): Promise<ProductDto> {
    const product = await this.products.save(
      this.products.create({
        name: dto.name,
        description: dto.description ?? null,
        price: dto.price,
      }),
    );
    // Read back so price has the database's two-place form ("5" → "5.00").
    return ProductDto.from(await this.products.findOneByOrFail({ id: product.id }));
  }
}
